/**
 * How closely a quantized checkpoint follows its float32 original on real images: the share of
 * images whose top-1 class agrees, the largest logit difference (absolute, and relative to the
 * largest logit), and how many of each image's ten nearest fc7 neighbours (cosine, among the
 * same images) stay the same — what `deno task quantize --data` and the bench report.
 *
 * @module
 */
import type { RgbImage } from "../image/rgb_image.ts";
import type { Predictor } from "./predictor.ts";

/** The comparison of {@linkcode quantizationAgreement}. */
export interface QuantizationAgreement {
  images: number;
  /** Share of images with the same top-1 class. */
  top1Agreement: number;
  /** Largest |logit − float32 logit| over every image and class. */
  maxLogitDifference: number;
  /** That, over the largest |float32 logit|. */
  maxRelativeLogitDifference: number;
  /** Mean share of each image's 10 nearest fc7 neighbours (cosine) that the quantized model also finds. */
  fc7Recall10: number;
}

/** What a predictor answers for each image: logits and fc7, the inputs of a comparison. */
export interface ImageOutputs {
  logits: Float32Array[];
  fc7: Float32Array[];
}

/** {@linkcode ImageOutputs} of `images`, in batches. */
export async function imageOutputs(predictor: Predictor, images: RgbImage[], batch = 16): Promise<ImageOutputs> {
  const logits: Float32Array[] = [], fc7: Float32Array[] = [];
  for (let i = 0; i < images.length; i += batch) {
    const out = await predictor.outputs(images.slice(i, i + batch), ["fc7"]);
    logits.push(...out.logits);
    fc7.push(...out.embeddings.fc7!);
  }
  return { logits, fc7 };
}

const argmax = (v: Float32Array) => v.reduce((best, x, i) => (x > v[best] ? i : best), 0);

/** Indices of the `k` rows most cosine-similar to each row (itself excluded), by one matrix product. */
async function nearest(rows: Float32Array[], k: number): Promise<number[][]> {
  const n = rows.length, d = rows[0].length;
  const flat = new Float32Array(n * d);
  rows.forEach((r, i) => flat.set(r, i * d));
  // TF.js is loaded here, not with the module: the predictor folder serves the edge without it.
  const tf = await import("../backend/tensorflow.ts");
  const top = tf.tidy(() => {
    const x = tf.tensor2d(flat, [n, d]);
    const unit = tf.div(x, tf.maximum(tf.norm(x, 2, 1, true), 1e-12));
    return tf.topk(tf.matMul(unit, tf.transpose(unit)), Math.min(n, k + 1)).indices;
  });
  const indices = (await top.data()) as Int32Array;
  top.dispose();
  const width = Math.min(n, k + 1);
  return Array.from(
    { length: n },
    (_, i) => [...indices.subarray(i * width, (i + 1) * width)].filter((j) => j !== i).slice(0, k),
  );
}

/**
 * @example
 * ```ts
 * const agreement = await quantizationAgreement(float32, int8, images);
 * console.log(`top-1 agreement ${(agreement.top1Agreement * 100).toFixed(2)}%`);
 * ```
 */
export async function quantizationAgreement(
  reference: Predictor | ImageOutputs,
  candidate: Predictor,
  images: RgbImage[],
): Promise<QuantizationAgreement> {
  const a = "fc7" in reference ? reference : await imageOutputs(reference, images);
  const b = await imageOutputs(candidate, images);
  let agree = 0, maxDiff = 0, maxRef = 0;
  a.logits.forEach((row, i) => {
    if (argmax(row) === argmax(b.logits[i])) agree++;
    row.forEach((v, c) => {
      maxDiff = Math.max(maxDiff, Math.abs(v - b.logits[i][c]));
      maxRef = Math.max(maxRef, Math.abs(v));
    });
  });
  const k = Math.min(10, images.length - 1);
  const [na, nb] = [await nearest(a.fc7, k), await nearest(b.fc7, k)];
  const recall = na.reduce((sum, row, i) => sum + row.filter((j) => nb[i].includes(j)).length / k, 0) / images.length;
  return {
    images: images.length,
    top1Agreement: agree / images.length,
    maxLogitDifference: maxDiff,
    maxRelativeLogitDifference: maxDiff / (maxRef || 1),
    fc7Recall10: recall,
  };
}
