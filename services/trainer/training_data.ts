/**
 * The images a run trains and validates on: a folder (Kaggle layout or one folder per class),
 * a separate validation folder or a stratified split fixed by the seed, or the generated
 * shapes; every image decoded once, its short side rescaled and centre-cropped square.
 *
 * @module
 */
import { UsageError } from "../../shared/cli/mod.ts";
import {
  generateShapeDataset,
  limitPerClass,
  loadImages,
  type RgbImage,
  scanImageFolder,
} from "../../shared/image/mod.ts";
import { SeededRandom } from "../../shared/random/mod.ts";
import type { TrainConfig, TrainIo } from "./train_config.ts";

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
