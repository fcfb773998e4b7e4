/**
 * Web Worker entry of a data-parallel pool member: wires {@linkcode createGradientWorker} to
 * the worker's messages.
 *
 * @module
 */
import { createGradientWorker, type WorkerReply, type WorkerRequest } from "./gradient_worker.ts";

const scope = globalThis as unknown as {
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
};
const handle = createGradientWorker();
scope.onmessage = (event) => {
  handle(event.data).then(
    (reply) =>
      scope.postMessage(reply, reply.type === "weights" ? reply.weights.map((w) => w.buffer as ArrayBuffer) : []),
    (error) => scope.postMessage({ type: "error", message: (error as Error).stack ?? String(error) }),
  );
};
