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

/** The training loop over `data.train`, which it takes (its images move into the loop's pipeline). */
async function startLoop(
  config: TrainConfig,
  io: TrainIo,
  run: Pick<PreparedRun, "inputSize" | "data" | "model" | "pca">,
  learningRate: number,
): Promise<TrainingLoop> {
  const { inputSize, data, model, pca } = run;
  const loop = await TrainingLoop.start(model, data.train, {
    ...config,
    learningRate,
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
  return loop;
}

/** One epoch: train, validate, report, checkpoint, and let the plateau schedule see the validation loss. */
async function runEpoch(
  epoch: number,
  run: {
    config: TrainConfig;
    io: TrainIo;
    runId: string;
    data: PreparedRun["data"];
    model: AlexNet;
    trainCount: number;
  },
  parts: { loop: TrainingLoop; reporter: EpochReporter; checkpoints: Checkpointer; schedule: PlateauSchedule },
  history: EpochMetrics[],
): Promise<string | null> {
  const { config, io, runId, data, model, trainCount } = run;
  const { loop, reporter, checkpoints, schedule } = parts;
  const valCount = data.val.images.length;
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
  if (val) {
    const before = loop.learningRate;
    loop.learningRate = schedule.observe(val.loss);
    if (loop.learningRate !== before) {
      io.log(`validation loss has not improved for ${config.patience} epochs: learning rate → ${loop.learningRate}`);
    }
  }
  return saved.published ? saved.version : null;
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
  const run = prepared ?? await prepareRun(config, io);
  const { resumed, arch, inputSize, resizeSize, data, model, pca } = run;
  const outDir = config.out ?? `runs/${config.name}/${runId}`;
  await Deno.mkdir(outDir, { recursive: true });
  const trainCount = data.train.images.length, valCount = data.val.images.length;
  const schedule = new PlateauSchedule(resumed?.learningRate ?? config.lr, config.patience);
  const loop = await startLoop(config, io, run, schedule.learningRate);
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
      const parts = { loop, reporter, checkpoints, schedule };
      const published = await runEpoch(epoch, { config, io, runId, data, model, trainCount }, parts, history);
      if (published) publishedVersions.push(published);
    }
  } finally {
    loop.close();
    model.dispose();
  }
  await reporter.finish(history);
  const { skipped, ignored, classNames } = data;
  const bestEpoch = checkpoints.bestEpoch;
  return {
    runId,
    outDir,
    classNames,
    epochs: history,
    bestEpoch,
    skipped,
    ignored,
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
