/**
 * Web Worker entry of a feature pool member: wires {@linkcode createFeatureWorker} to the
 * worker's messages.
 *
 * @module
 */
import { createFeatureWorker, type FeatureReply, type FeatureRequest } from "./feature_worker.ts";

const scope = globalThis as unknown as {
  postMessage(message: FeatureReply, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<FeatureRequest>) => void) | null;
};
const handle = createFeatureWorker();
scope.onmessage = (event) => {
  handle(event.data).then(
    (reply) => scope.postMessage(reply, reply.type === "features" ? [reply.values.buffer as ArrayBuffer] : []),
    (error) => scope.postMessage({ type: "error", message: (error as Error).stack ?? String(error) }),
  );
};
