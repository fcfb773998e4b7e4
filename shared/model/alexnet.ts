/**
 * A built AlexNet and the tensor-level questions asked of it: `logits`, `embed` (hidden-layer
 * features), `logitsTensor` for training loops, and its weights as arrays (to copy it to a
 * worker or another backend). Callers pass an input batch they own and get plain arrays back;
 * every tensor made inside is disposed inside. Images, softmax and labels are the predictor's
 * (`shared/predictor`), not the network's.
 *
 * @module
 */
import * as tf from "../backend/tensorflow.ts";
import { storageBindingLimit } from "../backend/storage_binding_limit.ts";
import { UsageError } from "../cli/usage_error.ts";
import {
  type AlexNetSpec,
  buildAlexNet,
  defaultInit,
  defaultInputSize,
  EMBEDDING_LAYERS,
  type EmbeddingLayer,
} from "./build_alexnet.ts";
import { InputShapeError } from "./input_shape_error.ts";

export { InputShapeError };

/**
 * A weight or activation larger than the device lets one kernel bind (WebGPU's
 * `maxStorageBufferBindingSize`): refused before running, since the backend would read it as zeros.
 */
export class DeviceLimitError extends UsageError {
  override name = "DeviceLimitError";
}

const MB = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/**
 * @example
 * ```ts
 * const net = AlexNet.create({ arch: "alexnet-owt", numClasses: 2, inputSize: 128 });
 * const batch = tf.zeros([1, 128, 128, 3]) as tf.Tensor4D;
 * const [logits] = await net.logits(batch);
 * batch.dispose();
 * net.dispose();
 * ```
 */
export class AlexNet {
  readonly network: tf.LayersModel;
  readonly spec: Required<AlexNetSpec>;
  #taps = new Map<string, tf.LayersModel>();
  /** Batch sizes already checked against the device's binding limit. */
  readonly #fits = new Set<number>();

  constructor(network: tf.LayersModel, spec: AlexNetSpec) {
    this.network = network;
    this.spec = {
      arch: spec.arch,
      numClasses: spec.numClasses,
      inputSize: spec.inputSize ?? defaultInputSize(spec.arch),
      groups: spec.groups ?? 1,
      seed: spec.seed ?? 0,
      init: spec.init ?? defaultInit(spec.arch),
      width: spec.width ?? 1,
    };
  }

  /** Builds a freshly initialised network. */
  static create(spec: AlexNetSpec): AlexNet {
    return new AlexNet(buildAlexNet(spec), spec);
  }

  get inputSize(): number {
    return this.spec.inputSize;
  }

  #check(batch: tf.Tensor): void {
    const s = this.inputSize;
    const [, h, w, c] = batch.shape;
    if (batch.rank !== 4 || h !== s || w !== s || c !== 3) {
      throw new InputShapeError(`expected a batch of shape [n, ${s}, ${s}, 3] (NHWC), got [${batch.shape}]`);
    }
    this.assertFitsDevice(batch.shape[0]);
  }

  /**
   * Throws a {@linkcode DeviceLimitError} when a weight, or an activation of a batch of `n`
   * images, is larger than one storage binding of the active backend (WebGPU); a no-op on
   * backends without that limit. Every forward pass checks it.
   */
  assertFitsDevice(n: number): void {
    const limit = storageBindingLimit();
    if (limit === null || this.#fits.has(n)) return;
    const adapter = `this WebGPU adapter's limit of ${MB(limit)} for one storage binding (maxStorageBufferBindingSize)`;
    for (const layer of this.network.layers) {
      for (const weight of layer.weights) {
        const bytes = (weight.shape as number[]).reduce((a, b) => a * b, 1) * 4;
        if (bytes > limit) {
          // FC weights grow with the square of the width.
          const width = Math.floor(100 * this.spec.width * Math.sqrt(limit / bytes)) / 100;
          throw new DeviceLimitError(
            `the ${layer.name} ${weight.name.split("/").at(-1)!.replace(/_\d+$/, "")} [${weight.shape}] is ${
              MB(bytes)
            }, ` +
              `over ${adapter}; use a narrower network (--width ${width} fits) ` +
              `or another backend (--backend wasm)`,
          );
        }
      }
      const shape = (layer.outputShape as number[]).slice(1);
      const bytes = n * shape.reduce((a, b) => a * b, 1) * 4;
      if (bytes > limit) {
        const batch = Math.max(1, Math.floor((n * limit) / bytes));
        throw new DeviceLimitError(
          `the output of ${layer.name} for ${n} images is ${
            MB(bytes)
          }, over ${adapter}; use batches of at most ${batch}`,
        );
      }
    }
    this.#fits.add(n);
  }

  /**
   * Logits as a tensor, for training loops that run inside `tf.tidy` or an optimiser.
   * `training: true` turns dropout on.
   */
  /**
   * Seeds the dropout masks of the next training passes (each dropout layer its own stream), or
   * lets them come from `Math.random` again (`undefined`). A training loop sets a new seed each
   * step, so a run with the same `--seed` draws the same masks.
   */
  setDropoutSeed(seed: number | undefined): void {
    let k = 0;
    for (const layer of this.network.layers) {
      if (layer.getClassName() === "Dropout") {
        (layer as unknown as { seed?: number }).seed = seed === undefined ? undefined : seed + k++;
      }
    }
  }

  logitsTensor(batch: tf.Tensor4D, training: boolean): tf.Tensor2D {
    this.#check(batch);
    return this.network.apply(batch, { training }) as tf.Tensor2D;
  }

  /** Raw class scores, one row per image. */
  async logits(batch: tf.Tensor4D): Promise<Float32Array[]> {
    const out = tf.tidy(() => this.logitsTensor(batch, false));
    return await rows(out);
  }

  /** Hidden-layer features per image: fc6/fc7 after ReLU (4096-d) or pool5 (9216-d). */
  async embed(batch: tf.Tensor4D, layer: EmbeddingLayer = "fc7"): Promise<Float32Array[]> {
    return (await this.embedLayers(batch, [layer]))[layer]!;
  }

  /** Several embeddings from one forward pass, keyed by layer. */
  async embedLayers(
    batch: tf.Tensor4D,
    layers: readonly EmbeddingLayer[],
  ): Promise<Partial<Record<EmbeddingLayer, Float32Array[]>>> {
    this.#check(batch);
    const key = layers.join(",");
    let tap = this.#taps.get(key);
    if (!tap) {
      const outputs = layers.map((l) => this.network.getLayer(EMBEDDING_LAYERS[l]).output as tf.SymbolicTensor);
      tap = tf.model({ inputs: this.network.inputs, outputs });
      this.#taps.set(key, tap);
    }
    const model = tap;
    const outs = tf.tidy(() => {
      const out = model.predict(batch);
      return (Array.isArray(out) ? out : [out]) as tf.Tensor2D[];
    });
    const result: Partial<Record<EmbeddingLayer, Float32Array[]>> = {};
    for (const [i, layer] of layers.entries()) result[layer] = await rows(outs[i]);
    return result;
  }

  /** Every weight's values, in `network.getWeights()` order (to copy the model to a worker or another backend). */
  async weightArrays(): Promise<Float32Array[]> {
    return await Promise.all(this.network.getWeights().map(async (w) => (await w.data()) as Float32Array));
  }

  /** Sets every weight from values in {@linkcode weightArrays} order. */
  setWeightArrays(values: Float32Array[]): void {
    const shapes = this.network.getWeights().map((w) => w.shape);
    const tensors = values.map((v, i) => tf.tensor(v, shapes[i]));
    this.network.setWeights(tensors);
    tf.dispose(tensors);
  }

  /** Releases the weights. */
  dispose(): void {
    this.network.dispose();
    this.#taps.clear();
  }
}

async function rows(t: tf.Tensor2D): Promise<Float32Array[]> {
  const [n, d] = t.shape;
  const data = (await t.data()) as Float32Array;
  t.dispose();
  return Array.from({ length: n }, (_, i) => data.slice(i * d, (i + 1) * d));
}
