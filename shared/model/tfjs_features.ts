/**
 * AlexNet's convolutional part as a TF.js layers model on the backend the process chose for
 * TF.js (WebGPU, oneDNN's native kernels, tfjs-node, WebGL in a page, TF.js's pure-JS CPU), for float checkpoints: the
 * features an {@linkcode InferenceNetwork} feeds to its dense head. Under WASM the SIMD kernels
 * (`simd_features.ts`) run the convolutions instead.
 *
 * @module
 */
import * as tf from "../backend/tensorflow.ts";
import { wasmHeapBytes } from "../backend/wasm_heap.ts";
import { activeTfjsBackend } from "../backend/active_tfjs_backend.ts";
import { UsageError } from "../cli/usage_error.ts";
import { buildAlexNet } from "./build_alexnet.ts";
import type { ConvFeatures, FeatureReplica } from "./conv_features.ts";
import type { InferenceSpec } from "./inference_spec.ts";
import { InputShapeError } from "./input_shape_error.ts";

/**
 * @example
 * ```ts
 * const features = TfjsFeatures.build(spec);
 * features.model.setWeights(tensors);
 * const pool5 = await features.pool5(images, 2);
 * ```
 */
export class TfjsFeatures implements ConvFeatures {
  readonly precision = "float32" as const;
  /** conv1 … pool5_flat. */
  readonly model: tf.LayersModel;
  readonly spec: InferenceSpec;

  constructor(model: tf.LayersModel, spec: InferenceSpec) {
    this.model = model;
    this.spec = spec;
  }

  /** The layers of `spec` with zero weights, to be set by a loader. */
  static build(spec: InferenceSpec): TfjsFeatures {
    return new TfjsFeatures(buildAlexNet(spec, { featuresOnly: true, initialise: false }), spec);
  }

  /** Sets every weight from its float32 values, found by the weight's name in `model.json`. */
  setWeights(valuesOf: (name: string) => Float32Array): void {
    const tensors = this.model.weights.map((w) => tf.tensor(valuesOf(w.originalName), w.shape as number[]));
    try {
      this.model.setWeights(tensors);
    } finally {
      tf.dispose(tensors);
    }
  }

  async pool5(values: Float32Array, count: number): Promise<Float32Array> {
    const s = this.spec.inputSize;
    if (values.length !== count * s * s * 3) {
      throw new InputShapeError(`expected ${count} images of ${s}×${s}×3 values, got ${values.length} values`);
    }
    const out = tf.tidy(() => this.model.predict(tf.tensor4d(values, [count, s, s, 3])) as tf.Tensor);
    try {
      return (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
  }

  async kernel(layer: string): Promise<{ values: Float32Array; shape: number[] }> {
    const [kernel] = this.model.getLayer(layer).getWeights();
    return { values: (await kernel.data()) as Float32Array, shape: kernel.shape };
  }

  wasmBytes(): number {
    return wasmHeapBytes() ?? 0;
  }

  /** Always refused: these layers run on a device backend, where worker replicas cannot help. */
  replica(workers: number): Promise<FeatureReplica> {
    return Promise.reject(
      new UsageError(
        `--workers ${workers} runs ${workers} WASM instances in Web Workers, one per CPU core; ` +
          `the ${activeTfjsBackend()} backend does the work on its device — leave --workers out`,
      ),
    );
  }

  dispose(): void {
    this.model.dispose();
  }
}
