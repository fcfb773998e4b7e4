/**
 * How well nearest neighbours share labels (the paper's §6.1 retrieval comparison, scored):
 * every image is a query against all the others; precision@1/5/10 and mean average precision
 * of same-label neighbours under cosine similarity. Similarities are computed in blocks of
 * queries as matrix products on the tensor backend.
 *
 * @module
 */
import { tf } from "../../shared/backend/mod.ts";
import { l2Normalize } from "./vector_index.ts";

/** Leave-one-out retrieval scores. */
export interface RetrievalScores {
  precisionAt1: number;
  precisionAt5: number;
  precisionAt10: number;
  meanAveragePrecision: number;
}

/** Average precision of one ranked relevance list (1 = same label), over its relevant items. */
export function averagePrecision(relevant: ArrayLike<number>): number {
  let hits = 0, sum = 0;
  for (let i = 0; i < relevant.length; i++) {
    if (relevant[i]) {
      hits++;
      sum += hits / (i + 1);
    }
  }
  return hits === 0 ? 0 : sum / hits;
}

/**
 * @example
 * ```ts
 * const scores = await scoreRetrieval(fc7Vectors, labels);
 * ```
 */
export async function scoreRetrieval(
  vectors: Float32Array[],
  labels: number[],
  blockSize = 256,
): Promise<RetrievalScores> {
  const n = vectors.length;
  if (n < 2) throw new RangeError("retrieval needs at least two images");
  const d = vectors[0].length;
  const flat = new Float32Array(n * d);
  vectors.forEach((v, i) => flat.set(l2Normalize(v), i * d));
  const all = tf.tensor2d(flat, [n, d]);
  const totals = { p1: 0, p5: 0, p10: 0, ap: 0 };
  try {
    for (let start = 0; start < n; start += blockSize) {
      const rows = Math.min(blockSize, n - start);
      const block = tf.tidy(() => tf.matMul(tf.slice(all, [start, 0], [rows, d]), all, false, true));
      const sims = await block.data();
      block.dispose();
      for (let r = 0; r < rows; r++) {
        const query = start + r;
        const scores = sims.subarray(r * n, (r + 1) * n);
        const order = [...Array(n).keys()].filter((j) => j !== query).sort((a, b) => scores[b] - scores[a]);
        const relevant = Uint8Array.from(order, (j) => (labels[j] === labels[query] ? 1 : 0));
        const precision = (k: number) =>
          relevant.subarray(0, k).reduce((s, x) => s + x, 0) / Math.min(k, relevant.length);
        totals.p1 += precision(1);
        totals.p5 += precision(5);
        totals.p10 += precision(10);
        totals.ap += averagePrecision(relevant);
      }
    }
  } finally {
    all.dispose();
  }
  return {
    precisionAt1: totals.p1 / n,
    precisionAt5: totals.p5 / n,
    precisionAt10: totals.p10 / n,
    meanAveragePrecision: totals.ap / n,
  };
}
