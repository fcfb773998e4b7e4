/**
 * What inference asks of AlexNet's convolutional part (conv1 … pool5): the `pool5` features of
 * a batch, a layer's kernel, its memory, a copy for a worker. Two kinds answer: this project's
 * SIMD kernels (`simd_features.ts`, float32 or int8; no TF.js at all), on the CPU, and TF.js
 * layers (`tfjs_features.ts`) where the process chose a TF.js GPU or native backend.
 *
 * @module
 */
import type { InferenceSpec } from "./inference_spec.ts";

/** How the convolutions compute. */
export type ConvPrecision = "float32" | "int8";

/** One SIMD convolution as a worker rebuilds it: weights as laid out in memory, scales (int8), biases. */
export interface SimdConvReplica {
  name: string;
  weights: Uint8Array;
  scales: Float32Array;
  bias: Float32Array;
}

/** Everything a Web Worker needs to hold its own copy of the convolutional part. */
export interface FeatureReplica {
  precision: ConvPrecision;
  spec: InferenceSpec;
  relaxed: boolean;
  layers: SimdConvReplica[];
}

/** The convolutional part of an {@linkcode InferenceNetwork}. */
export interface ConvFeatures {
  readonly precision: ConvPrecision;
  /** `pool5` features (flattened 6×6×C, HWC order) of `count` NHWC images given row after row. */
  pool5(values: Float32Array, count: number): Promise<Float32Array>;
  /** A convolution's kernel as float32 in TF.js's layout `[kh, kw, cin/groups, cout]`. */
  kernel(layer: string): Promise<{ values: Float32Array; shape: number[] }>;
  /** Bytes of WebAssembly memory these features hold (for TF.js: its WASM heap, on that backend). */
  wasmBytes(): number;
  /** A copy for a worker (of the SIMD kernels); refused with a `UsageError` where workers cannot help (a device backend). */
  replica(workers: number): Promise<FeatureReplica>;
  dispose(): void;
}
