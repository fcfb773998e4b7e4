/**
 * One member of the inference {@linkcode FeaturePool}, run as a Web Worker with its own WASM
 * instance: a replica of the convolutional part only (conv1…pool5, a few MiB, on the SIMD
 * kernels in the main thread's precision) — answering the `pool5` features of its share
 * of a batch. The fully connected layers stay in the main thread's {@linkcode DenseHead}, one
 * copy for every worker.
 *
 * @module
 */
import type { FeatureReplica } from "./conv_features.ts";
import { SimdFeatures } from "./simd_features.ts";

/** Messages the pool sends. */
export type FeatureRequest =
  | { type: "init"; replica: FeatureReplica }
  | { type: "features"; x: Float32Array; count: number };

/** Messages a worker answers with. */
export type FeatureReply =
  | { type: "ready" }
  | { type: "features"; values: Float32Array }
  | { type: "error"; message: string };

/**
 * The worker's message handler (the entry `feature_worker_entry.ts` wires it to `onmessage`).
 *
 * @example
 * ```ts
 * const handle = createFeatureWorker();
 * await handle({ type: "init", replica });
 * const { values } = await handle({ type: "features", x, count: 1 });
 * ```
 */
export function createFeatureWorker(): (request: FeatureRequest) => Promise<FeatureReply> {
  let features: SimdFeatures;
  return async (request) => {
    switch (request.type) {
      case "init": {
        features = await SimdFeatures.fromReplica(request.replica);
        return { type: "ready" };
      }
      case "features":
        return { type: "features", values: await features.pool5(request.x, request.count) };
    }
  };
}
