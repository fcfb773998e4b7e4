/**
 * The one surface that turns images into answers, in the manner of tfjs-models' mobilenet
 * (`load()` once, then ask): `classify` (pixel guard → decode → rescale → centre crop or ten
 * crops → normalise → network → softmax → top-k with English/Chinese labels, timing each stage),
 * `embed` (fc6/fc7/pool5 features), `logits` (an exact input tensor, for parity checks). Every
 * tensor made inside is disposed inside; callers never dispose what they did not create.
 *
 * The network is an {@linkcode InferenceNetwork}: convolutions on the TF.js backend, fc6–fc8 in
 * their stored precision (int8 stays int8) in WebAssembly memory. Forward passes go through a
 * {@linkcode LogitsRunner}: this thread, or the convolutions on the worker replicas of a
 * {@linkcode FeaturePool}, and optionally a {@linkcode MicroBatcher} around either.
 *
 * @module
 */
import type * as tf from "../backend/tensorflow.ts";
import type { CheckpointManifest } from "../checkpoint/checkpoint_manifest.ts";
import type { TrustPolicy } from "../checkpoint/checkpoint_signature.ts";
import type { CheckpointSource } from "../checkpoint/checkpoint_source.ts";
import { decodeImageWithin } from "../image/pixel_limit.ts";
import { releaseBuffers } from "../image/release_buffer.ts";
import type { RgbImage } from "../image/rgb_image.ts";
import { type ClassLabel, labelsForClasses } from "../labels/class_labels.ts";
import type { EmbeddingLayer } from "../model/build_alexnet.ts";
import { FeaturePool } from "../model/feature_pool.ts";
import type { InferenceNetwork } from "../model/inference_network.ts";
import { type LabelledPrediction, topPredictions } from "./class_scores.ts";
import { directRunner, type LogitsRunner, poolRunner } from "./logits_runner.ts";
import { MicroBatcher, type MicroBatchOptions } from "./micro_batcher.ts";
import { modelInput, type TestTimeAugmentation } from "./preprocess.ts";

/** An image as the predictor takes it: JPEG/PNG bytes, or decoded pixels. */
export type PredictorInput = Uint8Array | RgbImage;

/** How a predictor runs its forward passes. */
export interface PredictorOptions {
  /** Split every batch across this many Web Worker replicas (one WASM instance, one core each); 1: this thread. */
  workers?: number;
  /** Micro-batch concurrent `classify` calls into one forward pass; null or absent: one pass per call. */
  batching?: MicroBatchOptions | null;
  /** Which signatures to accept (checked by `loadPredictor` before decoding); absent: not checked. */
  trust?: TrustPolicy | null;
  /** false keeps int8 layers on the plain-SIMD kernel where relaxed SIMD exists (same answers; for tests). */
  relaxedSimd?: boolean;
  /** Where the checkpoint's files can be read again ({@linkcode Predictor.file}). */
  source?: CheckpointSource;
}

/** Options of {@linkcode Predictor.classify}. */
export interface ClassifyOptions {
  /** How many classes (default 5). */
  topk?: number;
  /** Centre crop (default) or the paper's ten crops averaged. */
  tta?: TestTimeAugmentation;
  /** Refuse images whose header announces more pixels than this, before decoding (default: no limit). */
  maxPixels?: number;
}

/** What {@linkcode Predictor.classify} answers. */
export interface Classification {
  model: { name: string; version: string };
  predictions: LabelledPrediction[];
  /** Milliseconds. */
  timings: { decode: number; preprocess: number; infer: number; total: number };
}

/**
 * @example
 * ```ts
 * const predictor = await loadPredictor("runs/cats-dogs/RUN/best");
 * const { predictions } = await predictor.classify(await Deno.readFile("cat.jpg"), { topk: 1 });
 * predictor.dispose();
 * ```
 */
export class Predictor {
  readonly manifest: CheckpointManifest;
  /** English and Chinese display labels, one per class. */
  readonly labels: ClassLabel[];
  /** When this predictor was made ready (ISO time). */
  readonly loadedAt: string;
  /** Present when concurrent classify calls are micro-batched. */
  readonly batcher: MicroBatcher | null;
  /** The worker replicas that share each batch's convolutions (`workers > 1`), or null: this thread runs it. */
  readonly pool: FeaturePool | null;
  readonly #network: InferenceNetwork;
  readonly #runner: LogitsRunner;
  readonly #source: CheckpointSource | null;

  private constructor(
    network: InferenceNetwork,
    manifest: CheckpointManifest,
    pool: FeaturePool | null,
    options: PredictorOptions,
  ) {
    this.#network = network;
    this.manifest = manifest;
    this.labels = labelsForClasses(manifest.classNames);
    this.pool = pool;
    this.#source = options.source ?? null;
    const runner = pool ? poolRunner(pool) : directRunner(network);
    this.batcher = options.batching && options.batching.maxBatch > 1
      ? new MicroBatcher(runner, options.batching)
      : null;
    this.#runner = this.batcher ?? runner;
    this.loadedAt = new Date().toISOString();
  }

  /**
   * A predictor over a decoded network (it takes ownership): warms the network up — the first
   * pass builds kernels and packs the convolutions' weights, and tiers the WebAssembly kernels
   * up — and starts the worker replicas when asked.
   *
   * @example
   * ```ts
   * const network = await decodeInferenceNetwork(await openCheckpoint(source));
   * const predictor = await Predictor.create(network, manifest, { workers: 2 });
   * ```
   */
  static async create(
    network: InferenceNetwork,
    manifest: CheckpointManifest,
    options: PredictorOptions = {},
  ): Promise<Predictor> {
    let pool: FeaturePool | null = null;
    try {
      const size = network.inputSize;
      await directRunner(network).run(new Float32Array(size * size * 3), 1);
      const workers = options.workers ?? 1;
      if (workers > 1) {
        pool = await FeaturePool.start(network, { workers });
        await poolRunner(pool).run(new Float32Array(workers * size * size * 3), workers);
      }
      return new Predictor(network, manifest, pool, options);
    } catch (error) {
      pool?.close();
      network.dispose();
      throw error;
    }
  }

  /** `name` of the served checkpoint. */
  get name(): string {
    return this.manifest.name;
  }

  /** `version` of the served checkpoint. */
  get version(): string {
    return this.manifest.version;
  }

  /**
   * The `topk` classes of one image, best first, with labels and timings.
   *
   * @example
   * ```ts
   * const result = await predictor.classify(bytes, { topk: 5, tta: "ten-crop", maxPixels: 40e6 });
   * ```
   */
  async classify(input: PredictorInput, options: ClassifyOptions = {}): Promise<Classification> {
    const t0 = performance.now();
    const image = await this.#decode(input, options.maxPixels);
    const t1 = performance.now();
    const { values, count } = modelInput([image], this.manifest, options.tta ?? "center");
    if (image !== input) releaseBuffers(image.data); // decoded here: done with
    const t2 = performance.now();
    const logits = await this.#runner.run(values, count);
    releaseBuffers(values);
    const t3 = performance.now();
    return {
      model: { name: this.name, version: this.version },
      predictions: topPredictions(logits, count, this.labels, options.topk ?? 5),
      timings: { decode: t1 - t0, preprocess: t2 - t1, infer: t3 - t2, total: performance.now() - t0 },
    };
  }

  /**
   * Hidden-layer features of each image's centre crop, in one forward pass: fc6/fc7 after their
   * ReLU (4096-d at full width) or pool5 (9216-d). Not normalised.
   *
   * @example
   * ```ts
   * const [fc7] = await predictor.embed([image]);
   * ```
   */
  async embed(
    inputs: PredictorInput[],
    layer: EmbeddingLayer = "fc7",
    options: { maxPixels?: number } = {},
  ): Promise<Float32Array[]> {
    return (await this.embedLayers(inputs, [layer], options))[layer]!;
  }

  /** Several embeddings of each image from one forward pass, keyed by layer. */
  async embedLayers(
    inputs: PredictorInput[],
    layers: readonly EmbeddingLayer[],
    options: { maxPixels?: number } = {},
  ): Promise<Partial<Record<EmbeddingLayer, Float32Array[]>>> {
    const images = await Promise.all(inputs.map((input) => this.#decode(input, options.maxPixels)));
    const { values, count } = modelInput(images, this.manifest);
    return await this.#network.embedLayers(values, count, layers);
  }

  /** The logits and the embeddings of `layers` of each image's centre crop, from one forward pass. */
  async outputs(
    inputs: PredictorInput[],
    layers: readonly EmbeddingLayer[],
    options: { maxPixels?: number } = {},
  ): Promise<{ logits: Float32Array[]; embeddings: Partial<Record<EmbeddingLayer, Float32Array[]>> }> {
    const images = await Promise.all(inputs.map((input) => this.#decode(input, options.maxPixels)));
    const { values, count } = modelInput(images, this.manifest);
    return await this.#network.forward(values, count, layers);
  }

  /** Length of the vectors {@linkcode embed} gives for `layer`. */
  embeddingSize(layer: EmbeddingLayer): number {
    return this.#network.embeddingSize(layer);
  }

  /** Raw logits of an exact, already normalised NHWC input (no resizing or cropping), one row per image. */
  async logits(batch: tf.Tensor4D): Promise<Float32Array[]> {
    return await this.#network.logitsOf(batch);
  }

  /** The kernel of a weight layer (`conv1`…`fc8`) as float32, e.g. for the paper's Fig. 3. */
  async kernel(layer: string): Promise<{ values: Float32Array; shape: number[] }> {
    return await this.#network.kernel(layer);
  }

  /**
   * A file of the served checkpoint as it is stored (weights, `model.json`, the manifest and
   * its signature), read again from where it was loaded; null when there is no such file or the
   * predictor was made without a source. What a browser or an edge function loads and verifies.
   */
  async file(path: string): Promise<Uint8Array | null> {
    return this.#source ? await this.#source.read(path) : null;
  }

  /** How the convolutions compute: float32 on TF.js, or int8 on the SIMD kernels. */
  get convolutions(): "float32" | "int8" {
    return this.#network.features.precision;
  }

  /** How the fully connected layers are held: their encodings, bytes of WebAssembly memory, relaxed SIMD. */
  get denseHead(): { encodings: string[]; memoryBytes: number; relaxedSimd: boolean } {
    const head = this.#network.head;
    return {
      encodings: head.layouts.map((l) => l.spec.encoding),
      memoryBytes: head.memoryBytes,
      relaxedSimd: head.relaxed,
    };
  }

  /**
   * What this process holds in the engines that can run out in an edge isolate: the V8 heap
   * (total and in use), ArrayBuffers outside it, and WebAssembly memory — the int8
   * convolutions' (or TF.js's WASM heap) plus the dense head's — in bytes.
   */
  memory(): { heapTotal: number; heapUsed: number; external: number; wasm: number } {
    const { heapTotal, heapUsed, external } = Deno.memoryUsage();
    return { heapTotal, heapUsed, external, wasm: this.#network.wasmBytes() };
  }

  /** Frees the weights and stops the worker replicas. */
  dispose(): void {
    this.pool?.close();
    this.#network.dispose();
  }

  async #decode(input: PredictorInput, maxPixels = Infinity): Promise<RgbImage> {
    return input instanceof Uint8Array ? await decodeImageWithin(input, maxPixels) : input;
  }
}
