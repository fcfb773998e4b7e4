/**
 * The trainer's core, importable by tests: dataset → decode → augment → AlexNet → SGD, with
 * validation, learning-rate drops on plateaus, `last`/`best` checkpoints, `metrics.jsonl`,
 * `curves.svg` (and `.png`) and (optionally) publication over NATS.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { NatsConnection } from "nats";
import type { BackendName } from "../../shared/backend/select_backend.ts";
import { ensureEventsStream, publishCheckpoint } from "../../shared/bus/checkpoint_store.ts";
import { type EpochMetrics, EpochMetricsSchema, type TrainProgress } from "../../shared/bus/messages.ts";
import { trainEpochSubject, trainProgressSubject } from "../../shared/bus/subjects.ts";
import { newRunId, publishTrainStatus } from "../../shared/bus/train_jobs.ts";
import {
  encodeCheckpoint,
  loadCheckpointDir,
  type ManifestInput,
  writeCheckpointDir,
} from "../../shared/checkpoint/checkpoint_files.ts";
import { loadPretrained } from "../../shared/checkpoint/load_pretrained.ts";
import { ProgressBar } from "../../shared/cli/progress_bar.ts";
import { UsageError } from "../../shared/cli/usage_error.ts";
import { type ColourPca, computeColourPca, drawColourShift } from "../../shared/image/colour_pca.ts";
import { centerCropWindow, cropImage, randomCropWindow } from "../../shared/image/crop_image.ts";
import { IMAGENET_NORMALIZATION, normalizeBatch } from "../../shared/image/normalize_batch.ts";
import { svgToPng } from "../../shared/image/svg_to_png.ts";
import type { RgbImage } from "../../shared/image/rgb_image.ts";
import { SeededRandom } from "../../shared/image/seeded_random.ts";
import { AlexNet } from "../../shared/model/alexnet.ts";
import { type Architecture, defaultInputSize, type InitScheme } from "../../shared/model/build_alexnet.ts";
import { generateShapeDataset } from "../../shared/image/generated_shapes.ts";
import { limitPerClass, scanImageFolder } from "../../shared/image/image_folder.ts";
import { loadImages } from "../../shared/image/load_images.ts";
import { renderCurvesSvg } from "./curves_svg.ts";
import { SgdMomentum } from "../../shared/model/sgd_momentum.ts";
import { trainStep } from "../../shared/model/train_step.ts";
import { DataParallelPool } from "../../shared/model/data_parallel_pool.ts";
import { copyPretrainedLayers } from "./transfer_weights.ts";

/** Everything `deno task train` accepts, parsed once by main.ts. */
export interface TrainConfig {
  /** Image folder; null trains on the generated shapes dataset. */
  data: string | null;
  val: string | null;
  valSplit: number;
  seed: number;
  limit: number | null;
  /** Images per class of the generated dataset. */
  generatedPerClass: number;
  arch: Architecture;
  groups: 1 | 2;
  /** null: the architecture's default (paper for alexnet, lecun for alexnet-owt). */
  init: InitScheme | null;
  /** Channel/unit multiplier; 1 is the paper's network. */
  width: number;
  inputSize: number | null;
  epochs: number;
  batchSize: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  /** Epochs without validation-loss improvement before the learning rate is divided by 10. */
  patience: number;
  augment: { crop: boolean; flip: boolean; pca: boolean };
  backend: BackendName;
  out: string | null;
  resume: string | null;
  /** Checkpoint folder whose conv and hidden FC layers initialise the network (fine-tuning). */
  pretrained: string | null;
  /** With `pretrained`: train only fc6–fc8. */
  freezeFeatures: boolean;
  /** Data-parallel training processes (Web Workers, one WASM instance each); 1 trains in this thread. */
  workers: number;
  nats: string | null;
  name: string;
  /** Fixed run id (a worker uses the job id); default: a new time-sorted id. */
  runId?: string | null;
  json: boolean;
  quiet: boolean;
}

/** Defaults for every flag (the paper's optimiser settings). */
export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  data: null,
  val: null,
  valSplit: 0.2,
  seed: 1,
  limit: null,
  generatedPerClass: 60,
  arch: "alexnet-owt",
  groups: 1,
  init: null,
  width: 1,
  inputSize: null,
  epochs: 10,
  batchSize: 32,
  lr: 0.01,
  momentum: 0.9,
  weightDecay: 5e-4,
  patience: 2,
  augment: { crop: true, flip: true, pca: true },
  backend: "auto",
  out: null,
  resume: null,
  pretrained: null,
  freezeFeatures: false,
  workers: 1,
  nats: null,
  name: "alexnet",
  json: false,
  quiet: false,
};

/** What a run produced. */
export interface TrainResult {
  runId: string;
  outDir: string;
  classNames: string[];
  epochs: EpochMetrics[];
  bestEpoch: number;
  skipped: { path: string; reason: string }[];
  ignored: string[];
  trainCount: number;
  valCount: number;
  publishedVersions: string[];
}

/** Where the run reports: human lines, JSON lines, and an optional bus. */
export interface TrainIo {
  log: (line: string) => void;
  stdout: (line: string) => void;
  nats?: NatsConnection;
  /** Name of the worker running this (in status events). */
  worker?: string;
}

/** Images with their labels. */
export interface Split {
  images: RgbImage[];
  labels: number[];
}

/** Stratified, seed-deterministic split of indices into train and validation. */
export function splitIndices(labels: number[], fraction: number, seed: number): { train: number[]; val: number[] } {
  const rng = new SeededRandom(`split-${seed}`);
  const byClass = new Map<number, number[]>();
  labels.forEach((label, i) => byClass.set(label, [...(byClass.get(label) ?? []), i]));
  const train: number[] = [];
  const val: number[] = [];
  for (const indices of byClass.values()) {
    const shuffled = rng.shuffle(indices);
    const nVal = Math.round(shuffled.length * fraction);
    val.push(...shuffled.slice(0, nVal));
    train.push(...shuffled.slice(nVal));
  }
  return { train: train.sort((a, b) => a - b), val: val.sort((a, b) => a - b) };
}

/** The training and validation images of a config (the same split a run with it used). */
export async function loadTrainingData(config: TrainConfig, resizeSize: number, io: Pick<TrainIo, "log">) {
  if (config.data === null) {
    const perClass = config.limit ?? config.generatedPerClass;
    const all = generateShapeDataset(perClass, resizeSize, config.seed);
    const valPart = config.val === null ? splitIndices(all.labels, config.valSplit, config.seed) : null;
    const pick = (idx: number[]) => ({ images: idx.map((i) => all.images[i]), labels: idx.map((i) => all.labels[i]) });
    io.log(`data: generated shapes (${all.classNames.join(", ")}), ${perClass} per class, ${resizeSize}px`);
    return {
      classNames: all.classNames,
      train: pick(valPart?.train ?? all.labels.map((_, i) => i)),
      val: pick(valPart?.val ?? []),
      skipped: [],
      ignored: [],
    };
  }
  const folder = await scanImageFolder(config.data);
  const files = config.limit === null ? folder.files : limitPerClass(folder.files, config.limit);
  io.log(
    `data: ${config.data} (${folder.layout} layout, classes ${folder.classNames.join(", ")}, ${files.length} files)`,
  );
  const loaded = await loadImages(files, resizeSize, config.quiet);
  let train: Split, val: Split;
  const skipped = [...loaded.skipped];
  const ignored = [...folder.ignored];
  if (config.val !== null) {
    const valFolder = await scanImageFolder(config.val);
    if (valFolder.classNames.join() !== folder.classNames.join()) {
      throw new UsageError(`--val classes (${valFolder.classNames}) differ from --data classes (${folder.classNames})`);
    }
    const valLoaded = await loadImages(valFolder.files, resizeSize, config.quiet);
    skipped.push(...valLoaded.skipped);
    ignored.push(...valFolder.ignored);
    train = loaded;
    val = valLoaded;
  } else {
    const { train: ti, val: vi } = splitIndices(loaded.labels, config.valSplit, config.seed);
    train = { images: ti.map((i) => loaded.images[i]), labels: ti.map((i) => loaded.labels[i]) };
    val = { images: vi.map((i) => loaded.images[i]), labels: vi.map((i) => loaded.labels[i]) };
  }
  if (train.images.length === 0) throw new UsageError(`no readable training images in ${config.data}`);
  return { classNames: folder.classNames, train, val, skipped, ignored };
}

/** Loss and accuracy of `model` on centre crops of `split`. */
export async function evaluateSplit(
  model: AlexNet,
  split: Split,
  batchSize: number,
  normalization = IMAGENET_NORMALIZATION,
): Promise<{ loss: number; top1: number; top5: number }> {
  const size = model.inputSize;
  let lossSum = 0, top1 = 0, top5 = 0;
  const k = Math.min(5, model.spec.numClasses);
  for (let start = 0; start < split.images.length; start += batchSize) {
    const images = split.images.slice(start, start + batchSize).map((im) => cropImage(im, centerCropWindow(im, size)));
    const labels = split.labels.slice(start, start + batchSize);
    const [loss, hits1, hits5] = tf.tidy(() => {
      const x = tf.tensor4d(normalizeBatch(images, normalization), [images.length, size, size, 3]);
      const logits = model.logitsTensor(x, false);
      const y = tf.oneHot(tf.tensor1d(labels, "int32"), model.spec.numClasses);
      const l = tf.losses.softmaxCrossEntropy(y, logits, undefined, undefined, tf.Reduction.SUM);
      const topk = tf.topk(logits, k).indices;
      const match = tf.equal(topk, tf.expandDims(tf.tensor1d(labels, "int32"), 1));
      return [l.dataSync()[0], tf.sum(tf.slice(match, [0, 0], [-1, 1])).dataSync()[0], tf.sum(match).dataSync()[0]];
    });
    lossSum += loss;
    top1 += hits1;
    top5 += hits5;
    await new Promise((r) => setTimeout(r, 0));
  }
  const n = split.images.length;
  return { loss: lossSum / n, top1: top1 / n, top5: top5 / n };
}

/**
 * Trains one model end to end.
 *
 * @example
 * ```ts
 * const result = await runTraining({ ...DEFAULT_TRAIN_CONFIG, epochs: 2 }, { log: console.error, stdout: console.log });
 * ```
 */
export async function runTraining(config: TrainConfig, io: TrainIo): Promise<TrainResult> {
  const runId = config.runId ?? newRunId();
  let resumed: AlexNet | null = null;
  let startEpoch = 0;
  let learningRate = config.lr;
  let resumedClasses: string[] | null = null;
  if (config.resume) {
    const loaded = await loadCheckpointDir(config.resume);
    resumed = loaded.model;
    resumedClasses = loaded.manifest.classNames;
    startEpoch = Number(loaded.manifest.metrics.epoch ?? 0);
    learningRate = Number(loaded.manifest.metrics.learningRate ?? config.lr);
    io.log(`resume: ${config.resume} (${loaded.manifest.name}@${loaded.manifest.version}, epoch ${startEpoch})`);
  }
  const arch = resumed?.spec.arch ?? config.arch;
  const inputSize = resumed?.inputSize ?? config.inputSize ?? defaultInputSize(arch);
  // The paper crops 224 out of 256; keep that ratio at every input size.
  const resizeSize = Math.round((inputSize * 256) / 224);
  const data = await loadTrainingData(config, resizeSize, io);
  if (resumedClasses && resumedClasses.join() !== data.classNames.join()) {
    throw new UsageError(`--resume checkpoint has classes ${resumedClasses}, the data has ${data.classNames}`);
  }
  const model = resumed ?? AlexNet.create({
    arch,
    numClasses: data.classNames.length,
    inputSize,
    groups: config.groups,
    seed: config.seed,
    init: config.init ?? undefined,
    width: config.width,
  });
  if (config.pretrained && !resumed) {
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
  }
  const outDir = config.out ?? `runs/${config.name}/${runId}`;
  await Deno.mkdir(outDir, { recursive: true });
  const pca: ColourPca | null = config.augment.pca ? computeColourPca(data.train.images) : null;
  const sgd = new SgdMomentum({ learningRate, momentum: config.momentum, weightDecay: config.weightDecay });
  const pool = config.workers > 1
    ? await DataParallelPool.start(model, {
      workers: config.workers,
      sgd: { learningRate, momentum: config.momentum, weightDecay: config.weightDecay },
      frozen: model.network.layers.filter((l) => !l.trainable).map((l) => l.name),
    })
    : null;
  if (pool) io.log(`data-parallel: ${pool.size} workers, each with its own WASM instance`);
  const rng = new SeededRandom(`train-${config.seed}`);
  const history: EpochMetrics[] = [];
  const publishedVersions: string[] = [];
  let bestScore = -Infinity, bestEpoch = 0, bestValLoss = Infinity, stale = 0;
  const trainCount = data.train.images.length;
  io.log(
    `run ${runId}: ${arch} ${inputSize}px, ${data.classNames.length} classes, ${trainCount} train / ` +
      `${data.val.images.length} val images, batch ${config.batchSize}, lr ${learningRate}, out ${outDir}`,
  );
  await Deno.writeTextFile(`${outDir}/metrics.jsonl`, "");
  // Progress events are kept only once the stream that captures them exists.
  if (io.nats) {
    await ensureEventsStream(io.nats);
    await publishTrainStatus(io.nats, { runId, state: "running", name: config.name, worker: io.worker });
  }

  for (let epoch = startEpoch + 1; epoch <= startEpoch + config.epochs; epoch++) {
    const started = performance.now();
    const order = rng.shuffle([...Array(trainCount).keys()]);
    const bar = config.quiet ? null : new ProgressBar(`epoch ${epoch}`, trainCount, { unit: "images" });
    let lossSum = 0, correct = 0;
    for (let start = 0; start < trainCount; start += config.batchSize) {
      const idx = order.slice(start, start + config.batchSize);
      const crops = idx.map((i) => {
        const im = data.train.images[i];
        const window = config.augment.crop
          ? randomCropWindow(im, inputSize, rng, config.augment.flip)
          : { ...centerCropWindow(im, inputSize), flip: config.augment.flip && rng.uniform() < 0.5 };
        return cropImage(im, window);
      });
      const shifts = pca ? idx.map(() => drawColourShift(pca, rng)) : undefined;
      const labels = idx.map((i) => data.train.labels[i]);
      const values = normalizeBatch(crops, IMAGENET_NORMALIZATION, shifts);
      let step: { loss: number; predicted: Int32Array };
      if (pool) {
        step = await pool.step(values, labels, data.classNames.length, {
          dropout: true,
          learningRate: sgd.learningRate,
        });
      } else {
        const x = tf.tensor4d(values, [idx.length, inputSize, inputSize, 3]);
        const y = tf.oneHot(tf.tensor1d(labels, "int32"), data.classNames.length);
        step = await trainStep(model, sgd, x, y);
        tf.dispose([x, y]);
      }
      const { loss, predicted: preds } = step;
      if (!Number.isFinite(loss)) throw new Error(`training diverged at epoch ${epoch} (loss ${loss}); lower --lr`);
      lossSum += loss * idx.length;
      correct += labels.filter((label, i) => preds[i] === label).length;
      bar?.tick(idx.length, `loss ${(lossSum / Math.min(trainCount, start + idx.length)).toFixed(4)}`);
      if (io.nats) {
        const progress: TrainProgress = {
          schema: "alexnet.train.progress/v1",
          runId,
          epoch,
          seen: start + idx.length,
          total: trainCount,
          imagesPerSec: bar?.rate ?? 0,
          loss,
        };
        io.nats.publish(trainProgressSubject(runId), JSON.stringify(progress));
      }
    }
    const trainSeconds = bar?.done() ?? (performance.now() - started) / 1000;
    const hasVal = data.val.images.length > 0;
    // The workers hold the current weights; bring them back for evaluation and the checkpoint.
    if (pool) await pool.copyWeightsTo(model);
    const val = hasVal ? await evaluateSplit(model, data.val, config.batchSize) : null;
    const metrics: EpochMetrics = EpochMetricsSchema.parse({
      schema: "alexnet.train.epoch/v1",
      runId,
      epoch,
      trainLoss: lossSum / trainCount,
      trainAccuracy: correct / trainCount,
      valLoss: val?.loss ?? null,
      valTop1: val?.top1 ?? null,
      valTop5: val && data.classNames.length >= 5 ? val.top5 : null,
      learningRate: sgd.learningRate,
      seconds: (performance.now() - started) / 1000,
      imagesPerSec: trainCount / trainSeconds,
    });
    history.push(metrics);
    await Deno.writeTextFile(`${outDir}/metrics.jsonl`, JSON.stringify(metrics) + "\n", { append: true });
    const curves = renderCurvesSvg(history, `${config.name} — run ${runId}`);
    await Deno.writeTextFile(`${outDir}/curves.svg`, curves);
    await Deno.writeFile(`${outDir}/curves.png`, await svgToPng(curves));
    const line =
      `epoch ${epoch}: train loss ${metrics.trainLoss.toFixed(4)} acc ${(metrics.trainAccuracy * 100).toFixed(1)}%` +
      (val
        ? ` | val loss ${val.loss.toFixed(4)} top-1 ${(val.top1 * 100).toFixed(1)}%` +
          (metrics.valTop5 !== null ? ` top-5 ${(val.top5 * 100).toFixed(1)}%` : "")
        : "") +
      ` | lr ${sgd.learningRate} | ${metrics.seconds.toFixed(1)}s, ${metrics.imagesPerSec.toFixed(1)} img/s`;
    if (config.json) {
      io.stdout(JSON.stringify(metrics));
      io.log(line);
    } else io.stdout(line);

    const score = val ? val.top1 - val.loss * 1e-6 : -metrics.trainLoss;
    const best = score > bestScore;
    if (best) {
      bestScore = score;
      bestEpoch = epoch;
    }
    const manifest: ManifestInput = {
      name: config.name,
      version: `${runId}-e${String(epoch).padStart(3, "0")}`,
      classNames: data.classNames,
      normalization: IMAGENET_NORMALIZATION,
      resizeSize,
      colourPca: pca,
      training: { ...config, runId, trainCount, valCount: data.val.images.length },
      metrics: { ...metrics },
      createdAt: new Date().toISOString(),
    };
    const files = await encodeCheckpoint(model, manifest);
    await writeCheckpointDir(`${outDir}/last`, files);
    if (best) await writeCheckpointDir(`${outDir}/best`, files);
    if (io.nats) {
      const event = await publishCheckpoint(io.nats, files, { runId, epoch, best });
      io.nats.publish(trainEpochSubject(runId), JSON.stringify(metrics));
      publishedVersions.push(event.version);
      io.log(`published ${event.name}@${event.version}${best ? " (best)" : ""}`);
    }
    // §5: divide the learning rate by 10 when the validation error stops improving.
    if (val) {
      if (val.loss < bestValLoss - 1e-4) {
        bestValLoss = val.loss;
        stale = 0;
      } else if (++stale >= config.patience) {
        sgd.learningRate /= 10;
        stale = 0;
        io.log(`validation loss has not improved for ${config.patience} epochs: learning rate → ${sgd.learningRate}`);
      }
    }
  }
  sgd.dispose();
  pool?.close();
  model.dispose();
  if (io.nats) {
    const final = history.at(-1)?.valTop1;
    await publishTrainStatus(io.nats, {
      runId,
      state: "done",
      name: config.name,
      worker: io.worker,
      message: `${history.length} epochs${final != null ? `, val top-1 ${(final * 100).toFixed(1)}%` : ""}`,
    });
  }
  return {
    runId,
    outDir,
    classNames: data.classNames,
    epochs: history,
    bestEpoch,
    skipped: data.skipped,
    ignored: data.ignored,
    trainCount,
    valCount: data.val.images.length,
    publishedVersions,
  };
}
