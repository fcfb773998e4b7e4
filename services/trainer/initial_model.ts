/**
 * Where a run starts: a checkpoint to resume (`--resume`: its weights, epoch count and
 * learning rate), a fresh network initialised as asked (`--init`, `--seed`), or a fresh one
 * whose conv1–fc7 come from pretrained weights (`--pretrained`, optionally `--freeze
 * features`) — fine-tuning, with a new fc8 for the dataset's classes.
 *
 * @module
 */
import { loadCheckpointDir, loadPretrained } from "../../shared/codec/mod.ts";
import type { Architecture } from "../../shared/checkpoint/mod.ts";
import { UsageError } from "../../shared/cli/mod.ts";
import { AlexNet } from "../../shared/model/mod.ts";
import type { TrainConfig, TrainIo } from "./train_config.ts";
import { copyPretrainedLayers } from "./transfer_weights.ts";

/** A checkpoint a run continues from. */
export interface Resumed {
  model: AlexNet;
  classNames: string[];
  /** Epochs already trained. */
  epoch: number;
  /** The learning rate it had reached. */
  learningRate: number;
}

/**
 * Loads the checkpoint in `dir` to continue training it (momentum restarts from zero).
 *
 * @example
 * ```ts
 * const resumed = await loadResumed("runs/x/RUN/last", config.lr, io);
 * ```
 */
export async function loadResumed(
  dir: string,
  defaultLearningRate: number,
  io: Pick<TrainIo, "log">,
): Promise<Resumed> {
  const { manifest, model } = await loadCheckpointDir(dir);
  const epoch = Number(manifest.metrics.epoch ?? 0);
  io.log(`resume: ${dir} (${manifest.name}@${manifest.version}, epoch ${epoch})`);
  return {
    model,
    classNames: manifest.classNames,
    epoch,
    learningRate: Number(manifest.metrics.learningRate ?? defaultLearningRate),
  };
}

/**
 * The network a run trains: the resumed one (checked against the data's classes), or a fresh
 * one, initialised from pretrained weights when the config names them.
 */
export async function initialModel(
  config: TrainConfig,
  shape: { arch: Architecture; inputSize: number; classNames: string[] },
  resumed: Resumed | null,
  io: Pick<TrainIo, "log">,
): Promise<AlexNet> {
  if (resumed) {
    if (resumed.classNames.join() !== shape.classNames.join()) {
      resumed.model.dispose();
      throw new UsageError(`--resume checkpoint has classes ${resumed.classNames}, the data has ${shape.classNames}`);
    }
    return resumed.model;
  }
  const model = AlexNet.create({
    arch: shape.arch,
    numClasses: shape.classNames.length,
    inputSize: shape.inputSize,
    groups: config.groups,
    seed: config.seed,
    init: config.init ?? undefined,
    width: config.width,
  });
  if (!config.pretrained) return model;
  try {
    const pretrained = await loadPretrained(config.pretrained);
    try {
      copyPretrainedLayers(pretrained.model, model, { freezeFeatures: config.freezeFeatures });
    } finally {
      pretrained.model.dispose();
    }
    io.log(
      `initialised from ${pretrained.manifest.name}@${pretrained.manifest.version} (conv1–fc7; fresh fc8` +
        `${config.freezeFeatures ? "; conv layers frozen" : ""})`,
    );
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  }
}
