/**
 * The trainer's core, importable by tests: one run is the composition of its parts —
 * the data ({@linkcode loadTrainingData}), the starting network ({@linkcode initialModel}),
 * the loop ({@linkcode TrainingLoop}), validation ({@linkcode evaluateSplit}), the reporter
 * ({@linkcode EpochReporter}), the checkpoints ({@linkcode Checkpointer}) and the §5
 * learning-rate schedule ({@linkcode PlateauSchedule}).
 *
 * @module
 */
import { type EpochMetrics, EpochMetricsSchema, newRunId } from "../../shared/bus/mod.ts";
import { readSigningKey } from "../../shared/checkpoint/mod.ts";
import type { Architecture } from "../../shared/checkpoint/mod.ts";
import { type ColourPca, computeColourPca } from "../../shared/image/mod.ts";
import { type AlexNet, defaultInputSize } from "../../shared/model/mod.ts";
import { Checkpointer } from "./checkpointing.ts";
import { EpochReporter } from "./epoch_reporter.ts";
import { evaluateSplit } from "./evaluate_split.ts";
import { initialModel, loadResumed, type Resumed } from "./initial_model.ts";
import { PlateauSchedule } from "./plateau_schedule.ts";
import type { TrainConfig, TrainIo, TrainResult } from "./train_config.ts";
import { loadTrainingData } from "./training_data.ts";
import { type EpochTraining, TrainingLoop } from "./training_loop.ts";

/** What a run starts from; the same config gives the same (split, starting weights, colour PCA). */
export interface PreparedRun {
  resumed: Resumed | null;
  arch: Architecture;
  inputSize: number;
  /** The edge images are rescaled to before cropping: `inputSize`·256/224, the paper's 256 for 224. */
  resizeSize: number;
  data: Awaited<ReturnType<typeof loadTrainingData>>;
  model: AlexNet;
  /** The training set's colour PCA, or null without PCA colour noise. */
  pca: ColourPca | null;
}

/**
 * A run's data and starting network, before any step: what {@linkcode runTraining} trains, and
 * what a peer (PyTorch, in `experiment:transfer --peer torch`) can be handed to train the same way.
 */
export async function prepareRun(config: TrainConfig, io: Pick<TrainIo, "log">): Promise<PreparedRun> {
  const resumed: Resumed | null = config.resume ? await loadResumed(config.resume, config.lr, io) : null;
  const arch = resumed?.model.spec.arch ?? config.arch;
  const inputSize = resumed?.model.inputSize ?? config.inputSize ?? defaultInputSize(arch);
  // The paper crops 224 out of 256; keep that ratio at every input size.
  const resizeSize = Math.round((inputSize * 256) / 224);
  const data = await loadTrainingData(config, resizeSize, io).catch((error) => {
    resumed?.model.dispose();
    throw error;
  });
  const model = await initialModel(config, { arch, inputSize, classNames: data.classNames }, resumed, io);
  const pca = config.augment.pca ? computeColourPca(data.train.images) : null;
  return { resumed, arch, inputSize, resizeSize, data, model, pca };
}

/**
 * Trains one model end to end (from `prepared`, when the caller has prepared the run already).
 *
 * @example
 * ```ts
 * const result = await runTraining({ ...DEFAULT_TRAIN_CONFIG, epochs: 2 }, { log: console.error, stdout: console.log });
 * ```
 */
export async function runTraining(config: TrainConfig, io: TrainIo, prepared?: PreparedRun): Promise<TrainResult> {
  const runId = config.runId ?? newRunId();
  const { resumed, arch, inputSize, resizeSize, data, model, pca } = prepared ?? await prepareRun(config, io);
  const outDir = config.out ?? `runs/${config.name}/${runId}`;
  await Deno.mkdir(outDir, { recursive: true });
  const trainCount = data.train.images.length, valCount = data.val.images.length;
  const schedule = new PlateauSchedule(resumed?.learningRate ?? config.lr, config.patience);
  const loop = await TrainingLoop.start(model, data.train, {
    ...config,
    learningRate: schedule.learningRate,
    augmentation: { inputSize, crop: config.augment.crop, flip: config.augment.flip, pca },
  }).catch((error) => {
    model.dispose();
    throw error;
  });
  data.train.images.length = 0; // the loop's pipeline holds them now, in shared memory
  if (loop.workers) io.log(`data-parallel: ${loop.workers} workers, each with its own WASM instance`);
  io.log(
    loop.loaderWorkers
      ? `input: batches prepared ahead in ${loop.loaderWorkers} Web Worker(s)`
      : "input: batches prepared ahead on this thread, between steps",
  );
  const reporter = new EpochReporter({ ...config, runId, outDir }, io);
  const checkpoints = new Checkpointer({
    runId,
    name: config.name,
    outDir,
    classNames: data.classNames,
    resizeSize,
    colourPca: pca,
    training: { ...config, runId, trainCount, valCount },
    signer: config.signingKey ? await readSigningKey(config.signingKey) : null,
  }, io);
  io.log(
    `run ${runId}: ${arch} ${inputSize}px, ${data.classNames.length} classes, ${trainCount} train / ${valCount} val ` +
      `images, batch ${config.batchSize}, lr ${schedule.learningRate}, out ${outDir}`,
  );
  const history: EpochMetrics[] = [];
  const publishedVersions: string[] = [];
  try {
    await reporter.begin();
    const first = (resumed?.epoch ?? 0) + 1;
    for (let epoch = first; epoch < first + config.epochs; epoch++) {
      const started = performance.now();
      const progress = reporter.epoch(epoch, trainCount);
      const train = await loop.epoch(epoch, data.classNames.length, progress.tick);
      const trainSeconds = progress.done();
      await loop.syncWeights(); // the workers hold the current weights
      const val = valCount > 0 ? await evaluateSplit(model, data.val, config.batchSize) : null;
      const metrics = epochMetrics(runId, epoch, train, val, data.classNames.length, loop.learningRate, {
        seconds: (performance.now() - started) / 1000,
        imagesPerSec: trainCount / trainSeconds,
      });
      history.push(metrics);
      await reporter.epochDone(metrics, history);
      const saved = await checkpoints.save(model, metrics);
      if (saved.published) publishedVersions.push(saved.version);
      if (val) {
        const before = loop.learningRate;
        loop.learningRate = schedule.observe(val.loss);
        if (loop.learningRate !== before) {
          io.log(
            `validation loss has not improved for ${config.patience} epochs: learning rate → ${loop.learningRate}`,
          );
        }
      }
    }
  } finally {
    loop.close();
    model.dispose();
  }
  await reporter.finish(history);
  return {
    runId,
    outDir,
    classNames: data.classNames,
    epochs: history,
    bestEpoch: checkpoints.bestEpoch,
    skipped: data.skipped,
    ignored: data.ignored,
    trainCount,
    valCount,
    publishedVersions,
  };
}

/** The epoch's record (one line of `metrics.jsonl`, the epoch event, the checkpoint's metrics). */
function epochMetrics(
  runId: string,
  epoch: number,
  train: EpochTraining,
  val: { loss: number; top1: number; top5: number } | null,
  classes: number,
  learningRate: number,
  timing: { seconds: number; imagesPerSec: number },
): EpochMetrics {
  return EpochMetricsSchema.parse({
    schema: "alexnet.train.epoch/v1",
    runId,
    epoch,
    trainLoss: train.loss,
    trainAccuracy: train.accuracy,
    valLoss: val?.loss ?? null,
    valTop1: val?.top1 ?? null,
    valTop5: val && classes >= 5 ? val.top5 : null,
    learningRate,
    ...timing,
  });
}
