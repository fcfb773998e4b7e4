/**
 * The exact top k of every query over vectors seen chunk by chunk (the benchmark's ground
 * truth): each chunk is one matrix product and a top-k on the backend, merged into the running
 * best, so the vectors never need to be in memory together.
 *
 * @module
 */
import { tf } from "../../shared/backend/mod.ts";

/** Rows as one row-major matrix. */
export function flattenRows(rows: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(rows.length * rows[0].length);
  rows.forEach((r, i) => out.set(r, i * r.length));
  return out;
}

/**
 * @example
 * ```ts
 * const top = new ExactTop(queries, 10);
 * await top.offer(chunk, firstRowNumber);
 * top.rows(0); // the best row numbers of query 0
 * ```
 */
export class ExactTop {
  readonly k: number;
  readonly #queriesT: tf.Tensor2D;
  readonly #best: { row: number; score: number }[][];

  constructor(queries: readonly Float32Array[], k: number) {
    this.k = k;
    this.#queriesT = tf.tidy(() =>
      tf.transpose(tf.tensor2d(flattenRows(queries), [queries.length, queries[0].length]))
    );
    this.#best = queries.map(() => []);
  }

  /** Rows numbered `first`, `first + 1`, … */
  async offer(rows: readonly Float32Array[], first: number): Promise<void> {
    if (rows.length === 0) return;
    const k = Math.min(this.k, rows.length);
    const top = tf.tidy(() =>
      tf.topk(tf.transpose(tf.matMul(tf.tensor2d(flattenRows(rows), [rows.length, rows[0].length]), this.#queriesT)), k)
    );
    const [values, indices] = await Promise.all([top.values.data(), top.indices.data()]);
    tf.dispose([top.values, top.indices]);
    this.#best.forEach((best, q) => {
      for (let i = 0; i < k; i++) best.push({ row: first + indices[q * k + i], score: values[q * k + i] });
      this.#best[q] = best.sort((a, b) => b.score - a.score).slice(0, this.k);
    });
  }

  /** Query `q`'s best row numbers, best first. */
  rows(q: number): Int32Array {
    return Int32Array.from(this.#best[q], (h) => h.row);
  }

  dispose(): void {
    this.#queriesT.dispose();
  }
}
