/**
 * Web Worker entry of a batch worker: wires {@linkcode createBatchWorker} to the worker's messages.
 *
 * @module
 */
import { type BatchReply, type BatchRequest, createBatchWorker } from "./batch_worker.ts";

const scope = globalThis as unknown as {
  postMessage(message: BatchReply, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<BatchRequest>) => void) | null;
};
const handle = createBatchWorker();
scope.onmessage = (event) => {
  try {
    const reply = handle(event.data);
    const transfer = reply.type !== "batch"
      ? []
      : "values" in reply.batch
      ? [reply.batch.values.buffer]
      : [reply.batch.pixels.buffer, reply.batch.shifts.buffer];
    scope.postMessage(reply, transfer as Transferable[]);
  } catch (error) {
    scope.postMessage({ type: "error", message: (error as Error).stack ?? String(error) });
  }
};
