/**
 * One member of the inference {@linkcode FeaturePool}, run as a Web Worker with its own WASM
 * instance: a replica of the convolutional part only (conv1…pool5, a few MiB), answering the
 * `pool5` features of its share of a batch. The fully connected layers stay in the main
 * thread's {@linkcode DenseHead}, one copy for every worker.
 *
 * @module
 */
import * as tf from "../backend/tensorflow.ts";
import { selectBackend } from "../backend/select_backend.ts";
import { type AlexNetSpec, buildAlexNet } from "./build_alexnet.ts";

/** Messages the pool sends. */
export type FeatureRequest =
  | { type: "init"; spec: AlexNetSpec; weights: Float32Array[] }
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
 * await handle({ type: "init", spec, weights });
 * const { values } = await handle({ type: "features", x, count: 1 });
 * ```
 */
export function createFeatureWorker(): (request: FeatureRequest) => Promise<FeatureReply> {
  let features: tf.LayersModel;
  let size = 0;
  return async (request) => {
    switch (request.type) {
      case "init": {
        await selectBackend("wasm");
        features = buildAlexNet(request.spec, { featuresOnly: true, initialise: false });
        const tensors = request.weights.map((values, i) => tf.tensor(values, features.weights[i].shape as number[]));
        features.setWeights(tensors);
        tf.dispose(tensors);
        size = features.inputs[0].shape[1] as number;
        return { type: "ready" };
      }
      case "features": {
        const out = tf.tidy(() =>
          features.predict(tf.tensor4d(request.x, [request.count, size, size, 3])) as tf.Tensor
        );
        const values = (await out.data()) as Float32Array;
        out.dispose();
        return { type: "features", values };
      }
    }
  };
}
