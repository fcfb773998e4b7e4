/**
 * The training loop: each epoch's batches come from the {@linkcode BatchPipeline} (prepared
 * ahead, in Web Workers on the spare cores), and each runs one SGD-momentum step — on this
 * thread's backend, or data-parallel across the worker replicas of a
 * {@linkcode DataParallelPool} (`--workers N`, WASM). On a GPU backend a batch goes to the
 * device as 8-bit pixels normalised there; on the CPU backends (WASM, pure JS) the batch
 * workers normalise it, which costs less there (18 ms instead of 236 ms for 32 images at 224 px
 * on WASM). The next step is queued before the previous step's loss is read, so a device is not
 * left waiting for the host.
 *
 * @module
 */
import { tf } from "../../shared/backend/mod.ts";
import {
  type AlexNet,
  DataParallelPool,
  SgdMomentum,
  startTrainStep,
  type StepResult,
} from "../../shared/model/mod.ts";
import type { Augmentation } from "./augment_batch.ts";
import { BatchPipeline, type TrainingBatch } from "./batch_pipeline.ts";
import { normalizePackedBatch } from "./device_batch.ts";
import type { Split } from "./training_data.ts";

/** How the loop optimises. */
export interface LoopSettings {
  batchSize: number;
  learningRate: number;
  momentum: number;
  weightDecay: number;
  /** Data-parallel Web Workers (WASM replicas); 1 trains on this thread. */
  workers: number;
  /** Web Workers preparing batches; default: one per core not otherwise busy. */
  loaderWorkers?: number;
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
 * Device steps queued before the oldest one's loss is read: with 2, step k+1 is queued before
 * step k's loss is awaited. Pool steps run one at a time (the replicas must finish an update
 * before the next gradients).
 */
const DEVICE_STEPS_IN_FLIGHT = 2;

/**
 * @example
 * ```ts
 * const loop = await TrainingLoop.start(model, data.train, settings);
 * const { loss } = await loop.epoch(1, classes, (images, batchLoss) => bar.tick(images));
 * await loop.syncWeights();
 * loop.close();
 * ```
 */
export class TrainingLoop {
  readonly #model: AlexNet;
  readonly #settings: LoopSettings;
  readonly #sgd: SgdMomentum;
  readonly #pool: DataParallelPool | null;
  readonly #pipeline: BatchPipeline;

  private constructor(
    model: AlexNet,
    settings: LoopSettings,
    sgd: SgdMomentum,
    pool: DataParallelPool | null,
    pipeline: BatchPipeline,
  ) {
    this.#model = model;
    this.#settings = settings;
    this.#sgd = sgd;
    this.#pool = pool;
    this.#pipeline = pipeline;
  }

  /**
   * Sets up the optimizer, the input pipeline over `train` and, with `workers` > 1, the
   * replicas (frozen layers stay frozen there too).
   */
  static async start(model: AlexNet, train: Split, settings: LoopSettings): Promise<TrainingLoop> {
    const sgd = { learningRate: settings.learningRate, momentum: settings.momentum, weightDecay: settings.weightDecay };
    const pool = settings.workers > 1
      ? await DataParallelPool.start(model, {
        workers: settings.workers,
        sgd,
        frozen: model.network.layers.filter((l) => !l.trainable).map((l) => l.name),
      })
      : null;
    try {
      // The thread driving the device (or the pool's replicas) keeps its cores; the rest prepare batches.
      const spare = navigator.hardwareConcurrency - 1 - (pool?.size ?? 0);
      const onCpu = pool !== null || ["wasm", "cpu"].includes(tf.getBackend());
      const pipeline = await BatchPipeline.start(train, {
        batchSize: settings.batchSize,
        augmentation: settings.augmentation,
        output: onCpu ? "float" : "packed",
        seed: settings.seed,
        workers: settings.loaderWorkers ?? Math.max(0, spare),
      });
      return new TrainingLoop(model, settings, new SgdMomentum(sgd), pool, pipeline);
    } catch (error) {
      pool?.close();
      throw error;
    }
  }

  /** Worker replicas in use (0: this thread). */
  get workers(): number {
    return this.#pool?.size ?? 0;
  }

  /** Web Workers preparing batches (0: this thread). */
  get loaderWorkers(): number {
    return this.#pipeline.workers;
  }

  get learningRate(): number {
    return this.#sgd.learningRate;
  }

  set learningRate(value: number) {
    this.#sgd.learningRate = value;
  }

  /**
   * One pass over the training set; `onBatch` hears of each batch (its size and loss) when its
   * loss has been read. Throws when the loss stops being finite.
   */
  async epoch(epoch: number, classes: number, onBatch: (images: number, loss: number) => void): Promise<EpochTraining> {
    let lossSum = 0, correct = 0;
    const inFlight: { labels: number[]; result: Promise<StepResult> }[] = [];
    const depth = this.#pool ? 1 : DEVICE_STEPS_IN_FLIGHT;
    const settle = async () => {
      const { labels, result } = inFlight.shift()!;
      const { loss, predicted } = await result;
      if (!Number.isFinite(loss)) throw new Error(`training diverged at epoch ${epoch} (loss ${loss}); lower --lr`);
      lossSum += loss * labels.length;
      correct += labels.filter((label, i) => predicted[i] === label).length;
      onBatch(labels.length, loss);
    };
    try {
      let index = 0;
      for await (const batch of this.#pipeline.epoch(epoch)) {
        inFlight.push({ labels: batch.labels, result: this.#step(batch, classes, epoch, index++) });
        if (inFlight.length >= depth) await settle();
      }
      while (inFlight.length > 0) await settle();
    } finally {
      // A failed step leaves later reads pending: let them finish before the tensors go.
      await Promise.allSettled(inFlight.map((s) => s.result));
    }
    const count = this.#pipeline.size;
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
    this.#pipeline.close();
  }

  #step(batch: TrainingBatch, classes: number, epoch: number, index: number): Promise<StepResult> {
    const size = this.#settings.augmentation.inputSize;
    const dropoutSeed = dropoutSeedOf(this.#settings.seed, epoch, index);
    if (this.#pool && "values" in batch) {
      return this.#pool.step(batch.values, batch.labels, classes, {
        dropout: true,
        learningRate: this.#sgd.learningRate,
        dropoutSeed,
      });
    }
    const x = "values" in batch
      ? tf.tensor4d(batch.values, [batch.labels.length, size, size, 3])
      : normalizePackedBatch(batch, size);
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(batch.labels, "int32"), classes));
    try {
      return startTrainStep(this.#model, this.#sgd, x, y, { dropoutSeed });
    } finally {
      tf.dispose([x, y]);
    }
  }
}

/**
 * The dropout seed of step `index` of `epoch` in a run seeded `seed`: the same run gets the same
 * masks (an epoch resumed from a checkpoint included), and no two steps share them.
 */
function dropoutSeedOf(seed: number, epoch: number, index: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(epoch + 1, 0xc2b2ae35) ^
    Math.imul(index + 1, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  return (h ^ (h >>> 13)) >>> 0;
}
