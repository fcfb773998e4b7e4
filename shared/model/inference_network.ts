/**
 * AlexNet as inference runs it: the convolutional part (conv1…pool5, 4% of the weights) as
 * {@linkcode ConvFeatures} — TF.js layers on the active backend for float checkpoints, or the
 * int8 SIMD kernels for per-channel int8 checkpoints (no TF.js at all) — and fc6–fc8 in a
 * {@linkcode DenseHead} that keeps them in their stored precision (int8 stays int8) in
 * WebAssembly memory. Answers the questions a predictor asks — logits, embeddings (pool5, fc6,
 * fc7) — from plain arrays.
 *
 * @module
 */
import type { Tensor4D } from "../backend/tensorflow.ts";
import type { ConvFeatures } from "./conv_features.ts";
import type { DenseHead, DenseTap } from "./dense_head.ts";
import { EMBEDDING_LAYERS, type EmbeddingLayer } from "./embedding_layers.ts";
import type { InferenceSpec } from "./inference_spec.ts";
import { InputShapeError } from "./input_shape_error.ts";

export type { InferenceSpec };

/**
 * @example
 * ```ts
 * const network = await decodeInferenceNetwork(source, manifest); // shared/codec
 * const logits = await network.logits(values, 1);
 * const { fc7 } = await network.embedLayers(values, 1, ["fc7"]);
 * network.dispose();
 * ```
 */
export class InferenceNetwork {
  /** conv1 … pool5 (flattened). */
  readonly features: ConvFeatures;
  /** fc6 … fc8. */
  readonly head: DenseHead;
  readonly spec: InferenceSpec;

  constructor(features: ConvFeatures, head: DenseHead, spec: InferenceSpec) {
    this.features = features;
    this.head = head;
    this.spec = spec;
  }

  get inputSize(): number {
    return this.spec.inputSize;
  }

  /** Length of one image's `pool5` features (the head's input). */
  get featureSize(): number {
    return this.head.inputSize;
  }

  /** `pool5` features of `count` images given as NHWC values, row after row. */
  pool5(values: Float32Array, count: number): Promise<Float32Array> {
    return this.features.pool5(values, count);
  }

  /** Logits of `count` images, `count × classes` values row after row. */
  async logits(values: Float32Array, count: number): Promise<Float32Array> {
    return this.head.forward(await this.pool5(values, count), count).logits;
  }

  /** Logits of an exact NHWC batch the caller owns, one array per image. */
  async logitsOf(batch: Tensor4D): Promise<Float32Array[]> {
    const s = this.inputSize;
    const [n, h, w, c] = batch.shape;
    if (h !== s || w !== s || c !== 3) {
      throw new InputShapeError(`expected a batch of shape [n, ${s}, ${s}, 3] (NHWC), got [${batch.shape}]`);
    }
    const logits = await this.logits((await batch.data()) as Float32Array, n);
    return rowsOf(logits, n);
  }

  /** Several embeddings of each image from one forward pass, keyed by layer, one array per image. */
  async embedLayers(
    values: Float32Array,
    count: number,
    layers: readonly EmbeddingLayer[],
  ): Promise<Partial<Record<EmbeddingLayer, Float32Array[]>>> {
    return (await this.forward(values, count, layers)).embeddings;
  }

  /** The logits and the embeddings of `layers` of each image, from one forward pass. */
  async forward(
    values: Float32Array,
    count: number,
    layers: readonly EmbeddingLayer[],
  ): Promise<{ logits: Float32Array[]; embeddings: Partial<Record<EmbeddingLayer, Float32Array[]>> }> {
    const pool5 = await this.pool5(values, count);
    const out = this.head.forward(pool5, count, layers.filter((l): l is DenseTap => l !== "pool5"));
    const embeddings: Partial<Record<EmbeddingLayer, Float32Array[]>> = {};
    for (const layer of layers) embeddings[layer] = rowsOf(layer === "pool5" ? pool5 : out[layer]!, count);
    return { logits: rowsOf(out.logits, count), embeddings };
  }

  /** Length of the vectors {@linkcode embedLayers} gives for `layer`. */
  embeddingSize(layer: EmbeddingLayer): number {
    return layer === "pool5" ? this.featureSize : this.head.outputSize(EMBEDDING_LAYERS[layer]);
  }

  /** The kernel of a weight layer (`conv1`…`fc8`) as float32, e.g. for the paper's Fig. 3. */
  async kernel(layer: string): Promise<{ values: Float32Array; shape: number[] }> {
    return /^fc\d$/.test(layer) ? this.head.kernel(layer) : await this.features.kernel(layer);
  }

  /** Bytes of WebAssembly memory the network holds: the convolutions' (or TF.js's heap) and the head's. */
  wasmBytes(): number {
    return this.features.wasmBytes() + this.head.memoryBytes;
  }

  /** Releases the convolution weights and the head's memory. */
  dispose(): void {
    this.features.dispose();
    this.head.dispose();
  }
}

function rowsOf(values: Float32Array, count: number): Float32Array[] {
  const d = values.length / count;
  return Array.from({ length: count }, (_, i) => values.slice(i * d, (i + 1) * d));
}
