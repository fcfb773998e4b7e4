/**
 * The training loop: each epoch shuffles the training set, cuts it into batches, augments
 * them, and runs one SGD-momentum step per batch — on this thread, or data-parallel across
 * the worker replicas of a {@linkcode DataParallelPool} (`--workers N`). Shuffling and
 * augmentation draw from one generator seeded by `--seed`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { SeededRandom } from "../../shared/image/mod.ts";
import { type AlexNet, DataParallelPool, SgdMomentum, type StepResult, trainStep } from "../../shared/model/mod.ts";
import { type Augmentation, augmentBatch } from "./augment_batch.ts";
import type { Split } from "./training_data.ts";

/** How the loop optimises. */
export interface LoopSettings {
  batchSize: number;
  learningRate: number;
  momentum: number;
  weightDecay: number;
  /** Data-parallel Web Workers; 1 trains on this thread. */
  workers: number;
  /** Seeds shuffling and augmentation. */
  seed: number;
  augmentation: Augmentation;
}

/** An epoch's training loss (mean over images) and accuracy. */
export interface EpochTraining {
  loss: number;
  accuracy: number;
}

/**
 * @example
 * ```ts
 * const loop = await TrainingLoop.start(model, settings);
 * const { loss } = await loop.epoch(1, data.train, classes, (images, batchLoss) => bar.tick(images));
 * await loop.syncWeights();
 * loop.close();
 * ```
 */
export class TrainingLoop {
  readonly #model: AlexNet;
  readonly #settings: LoopSettings;
  readonly #sgd: SgdMomentum;
  readonly #pool: DataParallelPool | null;
  readonly #rng: SeededRandom;

  private constructor(model: AlexNet, settings: LoopSettings, sgd: SgdMomentum, pool: DataParallelPool | null) {
    this.#model = model;
    this.#settings = settings;
    this.#sgd = sgd;
    this.#pool = pool;
    this.#rng = new SeededRandom(`train-${settings.seed}`);
  }

  /** Sets up the optimizer and, with `workers` > 1, the replicas (frozen layers stay frozen there too). */
  static async start(model: AlexNet, settings: LoopSettings): Promise<TrainingLoop> {
    const sgd = { learningRate: settings.learningRate, momentum: settings.momentum, weightDecay: settings.weightDecay };
    const pool = settings.workers > 1
      ? await DataParallelPool.start(model, {
        workers: settings.workers,
        sgd,
        frozen: model.network.layers.filter((l) => !l.trainable).map((l) => l.name),
      })
      : null;
    return new TrainingLoop(model, settings, new SgdMomentum(sgd), pool);
  }

  /** Worker replicas in use (0: this thread). */
  get workers(): number {
    return this.#pool?.size ?? 0;
  }

  get learningRate(): number {
    return this.#sgd.learningRate;
  }

  set learningRate(value: number) {
    this.#sgd.learningRate = value;
  }

  /**
   * One pass over `train`; `onBatch` hears of each batch (its size and loss) as it finishes.
   * Throws when the loss stops being finite.
   */
  async epoch(
    epoch: number,
    train: Split,
    classes: number,
    onBatch: (images: number, loss: number) => void,
  ): Promise<EpochTraining> {
    const count = train.images.length;
    const order = this.#rng.shuffle([...Array(count).keys()]);
    let lossSum = 0, correct = 0;
    for (let start = 0; start < count; start += this.#settings.batchSize) {
      const idx = order.slice(start, start + this.#settings.batchSize);
      const values = augmentBatch(idx.map((i) => train.images[i]), this.#settings.augmentation, this.#rng);
      const labels = idx.map((i) => train.labels[i]);
      const { loss, predicted } = await this.#step(values, labels, classes);
      if (!Number.isFinite(loss)) throw new Error(`training diverged at epoch ${epoch} (loss ${loss}); lower --lr`);
      lossSum += loss * idx.length;
      correct += labels.filter((label, i) => predicted[i] === label).length;
      onBatch(idx.length, loss);
    }
    return { loss: lossSum / count, accuracy: correct / count };
  }

  /** Brings the replicas' weights back into the model (before evaluation and checkpoints). */
  async syncWeights(): Promise<void> {
    if (this.#pool) await this.#pool.copyWeightsTo(this.#model);
  }

  /** Frees the optimizer state and stops the workers. */
  close(): void {
    this.#sgd.dispose();
    this.#pool?.close();
  }

  async #step(values: Float32Array, labels: number[], classes: number): Promise<StepResult> {
    if (this.#pool) {
      return await this.#pool.step(values, labels, classes, { dropout: true, learningRate: this.#sgd.learningRate });
    }
    const size = this.#settings.augmentation.inputSize;
    const x = tf.tensor4d(values, [labels.length, size, size, 3]);
    const y = tf.oneHot(tf.tensor1d(labels, "int32"), classes);
    try {
      return await trainStep(this.#model, this.#sgd, x, y);
    } finally {
      tf.dispose([x, y]);
    }
  }
}
