/**
 * What inference asks of AlexNet's convolutional part (conv1 … pool5): the `pool5` features of
 * a batch, a layer's kernel, its memory, a copy for a worker. Two kinds answer: TF.js layers on
 * the active backend (`tfjs_features.ts`, float checkpoints) and the int8 SIMD kernels
 * (`int8_features.ts`, per-channel int8 checkpoints; no TF.js at all).
 *
 * @module
 */
import type { InferenceSpec } from "./inference_spec.ts";

/** How the convolutions compute. */
export type ConvPrecision = "float32" | "int8";

/** One int8 convolution as a worker rebuilds it: codes as laid out in memory, scales, biases. */
export interface Int8ConvReplica {
  name: string;
  codes: Uint8Array;
  scales: Float32Array;
  bias: Float32Array;
}

/** Everything a Web Worker needs to hold its own copy of the convolutional part. */
export type FeatureReplica =
  | { kind: "tfjs"; spec: InferenceSpec; weights: Float32Array[] }
  | { kind: "int8"; spec: InferenceSpec; relaxed: boolean; layers: Int8ConvReplica[] };

/** The convolutional part of an {@linkcode InferenceNetwork}. */
export interface ConvFeatures {
  readonly precision: ConvPrecision;
  /** `pool5` features (flattened 6×6×C, HWC order) of `count` NHWC images given row after row. */
  pool5(values: Float32Array, count: number): Promise<Float32Array>;
  /** A convolution's kernel as float32 in TF.js's layout `[kh, kw, cin/groups, cout]`. */
  kernel(layer: string): Promise<{ values: Float32Array; shape: number[] }>;
  /** Bytes of WebAssembly memory these features hold (for TF.js: its WASM heap, on that backend). */
  wasmBytes(): number;
  /** A copy for a worker; throws a `UsageError` where workers cannot help (a GPU backend). */
  replica(workers: number): Promise<FeatureReplica>;
  dispose(): void;
}
