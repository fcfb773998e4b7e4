/**
 * Web Worker entry of a data-parallel pool member: wires {@linkcode createReplicaWorker} to
 * the worker's messages.
 *
 * @module
 */
import { createReplicaWorker, type WorkerReply, type WorkerRequest } from "./replica_worker.ts";

const scope = globalThis as unknown as {
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
};
const handle = createReplicaWorker();
scope.onmessage = (event) => {
  handle(event.data).then(
    (reply) =>
      scope.postMessage(reply, reply.type === "weights" ? reply.weights.map((w) => w.buffer as ArrayBuffer) : []),
    (error) => scope.postMessage({ type: "error", message: (error as Error).stack ?? String(error) }),
  );
};
