/**
 * From logits to the answer people read: softmax per crop, the crops' probabilities averaged
 * (the paper's ten-crop test, §4.1), the `topk` classes with their English and Chinese labels.
 * The one softmax of the project: the server's predictor and the in-browser classifier both
 * call it.
 *
 * @module
 */
import type { ClassLabel } from "../labels/class_labels.ts";

/** One scored class. */
export interface LabelledPrediction {
  index: number;
  /** The English label (also in `labels.en`). */
  label: string;
  labels: ClassLabel;
  probability: number;
}

/**
 * Softmax of each row of `logits` (`rows × classes`, row by row), averaged over the rows.
 *
 * @example
 * ```ts
 * meanSoftmax(new Float32Array([0, 0, 10, 10]), 2); // [0.5, 0.5]
 * ```
 */
export function meanSoftmax(logits: ArrayLike<number>, rows: number): Float64Array {
  const classes = logits.length / rows;
  if (!Number.isInteger(classes) || classes < 1) {
    throw new RangeError(`${logits.length} logits do not split into ${rows} rows`);
  }
  const mean = new Float64Array(classes);
  for (let r = 0; r < rows; r++) {
    const base = r * classes;
    let max = -Infinity;
    for (let i = 0; i < classes; i++) max = Math.max(max, logits[base + i]);
    let sum = 0;
    const exp = new Float64Array(classes);
    for (let i = 0; i < classes; i++) sum += exp[i] = Math.exp(logits[base + i] - max);
    for (let i = 0; i < classes; i++) mean[i] += exp[i] / sum / rows;
  }
  return mean;
}

/**
 * The `topk` most probable classes of one image whose crops gave `logits`, best first.
 *
 * @example
 * ```ts
 * const [best] = topPredictions(logits, 10, labelsForClasses(manifest.classNames), 5);
 * ```
 */
export function topPredictions(
  logits: ArrayLike<number>,
  crops: number,
  labels: readonly ClassLabel[],
  topk: number,
): LabelledPrediction[] {
  const mean = meanSoftmax(logits, crops);
  if (labels.length !== mean.length) throw new RangeError(`${labels.length} labels for ${mean.length} classes`);
  const order = [...mean.keys()].sort((a, b) => mean[b] - mean[a]).slice(0, topk);
  return order.map((index) => ({
    index,
    label: labels[index].en,
    labels: labels[index],
    probability: mean[index],
  }));
}
