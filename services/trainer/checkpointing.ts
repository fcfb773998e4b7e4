/**
 * A run's checkpoints: after every epoch the model is encoded with its manifest (classes,
 * preprocessing, colour PCA, the run's config and the epoch's metrics), written to `last/`,
 * also to `best/` when it is the best epoch so far (validation top-1, ties broken by lower
 * validation loss; without validation, training loss), and — with a bus — uploaded to the
 * object store and announced on `alexnet.checkpoint.published` — signed first when the run has
 * a signing key.
 *
 * @module
 */
import { type EpochMetrics, publishCheckpoint } from "../../shared/bus/mod.ts";
import { encodeCheckpoint } from "../../shared/codec/mod.ts";
import { type CheckpointSigner, signCheckpoint, writeCheckpointDir } from "../../shared/checkpoint/mod.ts";
import { type ColourPca, IMAGENET_NORMALIZATION } from "../../shared/image/mod.ts";
import type { AlexNet } from "../../shared/model/mod.ts";
import type { TrainIo } from "./train_config.ts";

/** What every checkpoint of a run shares. */
export interface CheckpointingOptions {
  runId: string;
  /** Model name in manifests and on the bus. */
  name: string;
  outDir: string;
  classNames: string[];
  resizeSize: number;
  colourPca: ColourPca | null;
  /** The run's settings, recorded in every manifest. */
  training: Record<string, unknown>;
  /** Signs every checkpoint; null: unsigned. */
  signer: CheckpointSigner | null;
}

/** What {@linkcode Checkpointer.save} did. */
export interface SavedCheckpoint {
  version: string;
  best: boolean;
  /** True when it went to the bus as well. */
  published: boolean;
}

/**
 * @example
 * ```ts
 * const checkpoints = new Checkpointer(options, io);
 * const { version, best } = await checkpoints.save(model, metrics);
 * ```
 */
export class Checkpointer {
  readonly #options: CheckpointingOptions;
  readonly #io: TrainIo;
  #bestScore = -Infinity;
  /** The best epoch so far (0 before the first). */
  bestEpoch = 0;

  constructor(options: CheckpointingOptions, io: TrainIo) {
    this.#options = options;
    this.#io = io;
  }

  /** Saves the epoch's checkpoint (and publishes it when a bus is attached). */
  async save(model: AlexNet, metrics: EpochMetrics): Promise<SavedCheckpoint> {
    const { runId, name, outDir } = this.#options;
    const score = metrics.valTop1 !== null ? metrics.valTop1 - (metrics.valLoss ?? 0) * 1e-6 : -metrics.trainLoss;
    const best = score > this.#bestScore;
    if (best) {
      this.#bestScore = score;
      this.bestEpoch = metrics.epoch;
    }
    const version = `${runId}-e${String(metrics.epoch).padStart(3, "0")}`;
    const encoded = await encodeCheckpoint(model, {
      name,
      version,
      classNames: this.#options.classNames,
      normalization: IMAGENET_NORMALIZATION,
      resizeSize: this.#options.resizeSize,
      colourPca: this.#options.colourPca,
      training: this.#options.training,
      metrics: { ...metrics },
      createdAt: new Date().toISOString(),
    });
    const signer = this.#options.signer;
    const files = signer ? await signCheckpoint(encoded, signer) : encoded;
    await writeCheckpointDir(`${outDir}/last`, files);
    if (best) await writeCheckpointDir(`${outDir}/best`, files);
    if (!this.#io.nats) return { version, best, published: false };
    const event = await publishCheckpoint(this.#io.nats, files, { runId, epoch: metrics.epoch, best });
    this.#io.log(`published ${event.name}@${event.version}${best ? " (best)" : ""}`);
    return { version, best, published: true };
  }
}
