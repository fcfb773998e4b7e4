/**
 * One classification: header check → decode → rescale → centre crop or the paper's ten
 * crops (§4.1: four corners and the centre, each mirrored, softmax outputs averaged) →
 * network → top-k with English/Chinese labels, timing each stage.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { centerCropWindow, cropImage, tenCropWindows } from "../../shared/image/crop_image.ts";
import { decodeImage } from "../../shared/image/decode_image.ts";
import { normalizeBatch } from "../../shared/image/normalize_batch.ts";
import { readImageSize } from "../../shared/image/read_image_size.ts";
import { resizeShortSide } from "../../shared/image/resize_short_side.ts";
import type { ServedModel } from "./model_slot.ts";

/** Test-time augmentation: one centre crop, or ten crops averaged. */
export type TestTimeAugmentation = "center" | "ten-crop";

/** An image with more pixels than the service accepts. */
export class PixelLimitError extends Error {
  override name = "PixelLimitError";
}

/** One scored class. */
export interface LabelledPrediction {
  index: number;
  label: string;
  labels: { en: string; zh: string };
  probability: number;
}

/** What a classify call returns. */
export interface ClassifyResult {
  model: { name: string; version: string };
  predictions: LabelledPrediction[];
  timings: { decode: number; preprocess: number; infer: number; total: number };
}

/** Refuses images whose header announces more than `maxPixels`, before any decoding. */
export function checkPixelLimit(bytes: Uint8Array, maxPixels: number): void {
  const { width, height } = readImageSize(bytes);
  if (width * height > maxPixels) {
    throw new PixelLimitError(
      `image is ${width}×${height} = ${(width * height / 1e6).toFixed(1)} MP; the limit is ${maxPixels / 1e6} MP`,
    );
  }
}

/** Runs the network on a batch of normalised crops; one probability row per crop. */
export type ProbabilityRunner = (served: ServedModel, values: Float32Array, crops: number) => Promise<Float32Array[]>;

/** The direct runner: one forward pass per request. */
export const runDirect: ProbabilityRunner = async (served, values, crops) => {
  const size = served.checkpoint.manifest.inputSize;
  const batch = tf.tensor4d(values, [crops, size, size, 3]);
  try {
    return await served.checkpoint.model.probabilities(batch);
  } finally {
    batch.dispose();
  }
};

/** Uses the served model's worker replicas when it has them, else {@linkcode runDirect}. */
export const runServed: ProbabilityRunner = async (served, values, crops) => {
  if (!served.pool) return await runDirect(served, values, crops);
  const classes = served.checkpoint.manifest.classNames.length;
  const logits = await served.pool.logits(values, crops, classes);
  return Array.from({ length: crops }, (_, i) => {
    const row = logits.subarray(i * classes, (i + 1) * classes);
    const max = row.reduce((m, v) => Math.max(m, v), -Infinity);
    const exp = row.map((v) => Math.exp(v - max));
    const sum = exp.reduce((a, b) => a + b, 0);
    return exp.map((v) => v / sum);
  });
};

/**
 * @example
 * ```ts
 * const result = await classifyImage(served, bytes, { topk: 5, tta: "center", maxPixels: 40e6 });
 * ```
 */
export async function classifyImage(
  served: ServedModel,
  bytes: Uint8Array,
  options: { topk: number; tta: TestTimeAugmentation; maxPixels: number },
  run: ProbabilityRunner = runServed,
): Promise<ClassifyResult> {
  const { manifest } = served.checkpoint;
  const t0 = performance.now();
  checkPixelLimit(bytes, options.maxPixels);
  const decoded = await decodeImage(bytes);
  const t1 = performance.now();
  const scaled = resizeShortSide(decoded, manifest.resizeSize);
  const size = manifest.inputSize;
  const windows = options.tta === "ten-crop" ? tenCropWindows(scaled, size) : [centerCropWindow(scaled, size)];
  const crops = windows.map((w) => cropImage(scaled, w));
  const values = normalizeBatch(crops, manifest.normalization);
  const t2 = performance.now();
  const rows = await run(served, values, crops.length);
  const t3 = performance.now();
  const mean = new Float32Array(rows[0].length);
  for (const row of rows) row.forEach((p, i) => (mean[i] += p / rows.length));
  const order = [...mean.keys()].sort((a, b) => mean[b] - mean[a]).slice(0, Math.min(options.topk, mean.length));
  return {
    model: { name: manifest.name, version: manifest.version },
    predictions: order.map((index) => ({
      index,
      label: served.labels[index].en,
      labels: served.labels[index],
      probability: mean[index],
    })),
    timings: { decode: t1 - t0, preprocess: t2 - t1, infer: t3 - t2, total: performance.now() - t0 },
  };
}
