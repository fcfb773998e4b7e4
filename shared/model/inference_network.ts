/**
 * AlexNet as inference runs it: the convolutional part (conv1…pool5, 4% of the weights) as a
 * TF.js layers model on the active backend, and fc6–fc8 in a {@linkcode DenseHead} that keeps
 * them in their stored precision (int8 stays int8) in WebAssembly memory. Answers the questions
 * a predictor asks — logits, embeddings (pool5, fc6, fc7) — from plain arrays, disposing every
 * tensor it makes.
 *
 * @module
 */
import * as tf from "../backend/tensorflow.ts";
import type { AlexNetSpec } from "./build_alexnet.ts";
import { EMBEDDING_LAYERS, type EmbeddingLayer } from "./build_alexnet.ts";
import type { DenseHead, DenseTap } from "./dense_head.ts";
import { InputShapeError } from "./alexnet.ts";

/** The shape of the network (what rebuilding its convolutional part takes). */
export type InferenceSpec = Required<Omit<AlexNetSpec, "seed" | "init">>;

/**
 * @example
 * ```ts
 * const network = await decodeInferenceNetwork(source, manifest); // shared/checkpoint/codec
 * const logits = await network.logits(values, 1);
 * const { fc7 } = await network.embedLayers(values, 1, ["fc7"]);
 * network.dispose();
 * ```
 */
export class InferenceNetwork {
  /** conv1 … pool5_flat. */
  readonly features: tf.LayersModel;
  /** fc6 … fc8. */
  readonly head: DenseHead;
  readonly spec: InferenceSpec;

  constructor(features: tf.LayersModel, head: DenseHead, spec: InferenceSpec) {
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
  async pool5(values: Float32Array, count: number): Promise<Float32Array> {
    const s = this.inputSize;
    if (values.length !== count * s * s * 3) {
      throw new InputShapeError(`expected ${count} images of ${s}×${s}×3 values, got ${values.length} values`);
    }
    const out = tf.tidy(() => this.features.predict(tf.tensor4d(values, [count, s, s, 3])) as tf.Tensor);
    try {
      return (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
  }

  /** Logits of `count` images, `count × classes` values row after row. */
  async logits(values: Float32Array, count: number): Promise<Float32Array> {
    return this.head.forward(await this.pool5(values, count), count).logits;
  }

  /** Logits of an exact NHWC batch the caller owns, one array per image. */
  async logitsOf(batch: tf.Tensor4D): Promise<Float32Array[]> {
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
    if (/^fc\d$/.test(layer)) return this.head.kernel(layer);
    const [kernel] = this.features.getLayer(layer).getWeights();
    return { values: (await kernel.data()) as Float32Array, shape: kernel.shape };
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
