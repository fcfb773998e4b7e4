/**
 * Exact cosine k-nearest-neighbour search over L2-normalised vectors, as one matrix product
 * on the tensor backend (n×d · d×1) followed by `topk`. Vectors live in a growable
 * Float32Array; the backend copy is rebuilt lazily after changes.
 *
 * @module
 */
import { tf } from "../../shared/backend/mod.ts";

/** A search hit: cosine similarity in [−1, 1]. */
export interface Neighbour {
  id: string;
  score: number;
}

/** What the retrieval library needs of an index (exact {@linkcode VectorIndex} or the compact one). */
export interface SearchIndex {
  readonly size: number;
  has(id: string): boolean;
  ids(): string[];
  add(id: string, vector: ArrayLike<number>): void;
  remove(id: string): boolean;
  /** The stored vector of `id` (to search by a stored image, or to rebuild another index). */
  vector(id: string): Float32Array | null;
  search(query: ArrayLike<number>, k: number, exclude?: ReadonlySet<string>): Promise<Neighbour[]> | Neighbour[];
  dispose(): void;
}

/** `v / ‖v‖` (a zero vector stays zero). */
export function l2Normalize(v: ArrayLike<number>): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] * scale;
  return out;
}

/**
 * @example
 * ```ts
 * const index = new VectorIndex(4096);
 * index.add("cat.1", fc7);
 * index.search(queryFc7, 10);
 * ```
 */
export class VectorIndex implements SearchIndex {
  readonly dimension: number;
  #data: Float32Array;
  #ids: string[] = [];
  #rowOf = new Map<string, number>();
  #matrix: tf.Tensor2D | null = null;

  constructor(dimension: number) {
    this.dimension = dimension;
    this.#data = new Float32Array(dimension * 64);
  }

  get size(): number {
    return this.#ids.length;
  }

  has(id: string): boolean {
    return this.#rowOf.has(id);
  }

  /** Every id, in insertion order (after removals, the moved rows change place). */
  ids(): string[] {
    return [...this.#ids];
  }

  /** Adds (or replaces) `id`; the vector is L2-normalised. */
  add(id: string, vector: ArrayLike<number>): void {
    if (vector.length !== this.dimension) {
      throw new RangeError(`vector for ${id} has ${vector.length} dimensions, the index ${this.dimension}`);
    }
    let row = this.#rowOf.get(id);
    if (row === undefined) {
      row = this.#ids.length;
      if ((row + 1) * this.dimension > this.#data.length) {
        const grown = new Float32Array(this.#data.length * 2);
        grown.set(this.#data);
        this.#data = grown;
      }
      this.#ids.push(id);
      this.#rowOf.set(id, row);
    }
    this.#data.set(l2Normalize(vector), row * this.dimension);
    this.#invalidate();
  }

  /** Removes `id`; returns whether it was there. */
  remove(id: string): boolean {
    const row = this.#rowOf.get(id);
    if (row === undefined) return false;
    const last = this.#ids.length - 1;
    if (row !== last) {
      const moved = this.#ids[last];
      this.#data.copyWithin(row * this.dimension, last * this.dimension, (last + 1) * this.dimension);
      this.#ids[row] = moved;
      this.#rowOf.set(moved, row);
    }
    this.#ids.pop();
    this.#rowOf.delete(id);
    this.#invalidate();
    return true;
  }

  /** The stored (normalised) vector of `id`. */
  vector(id: string): Float32Array | null {
    const row = this.#rowOf.get(id);
    return row === undefined ? null : this.#data.slice(row * this.dimension, (row + 1) * this.dimension);
  }

  /** The `k` most cosine-similar entries to `query`, best first, skipping `exclude`. */
  async search(query: ArrayLike<number>, k: number, exclude: ReadonlySet<string> = new Set()): Promise<Neighbour[]> {
    if (query.length !== this.dimension) {
      throw new RangeError(`query has ${query.length} dimensions, the index ${this.dimension}`);
    }
    const n = this.#ids.length;
    const want = Math.min(n, k + exclude.size);
    if (want === 0) return [];
    this.#matrix ??= tf.tensor2d(this.#data.subarray(0, n * this.dimension), [n, this.dimension]);
    const matrix = this.#matrix;
    const { values, indices } = tf.tidy(() => {
      const scores = tf.reshape(tf.matMul(matrix, tf.tensor2d(l2Normalize(query), [this.dimension, 1])), [n]);
      return tf.topk(scores, want);
    });
    // Awaited reads: the synchronous ones fail on WebGPU in Deno.
    const [scores, rows] = await Promise.all([values.data(), indices.data()]);
    tf.dispose([values, indices]);
    const hits: Neighbour[] = [];
    for (let i = 0; i < rows.length && hits.length < k; i++) {
      const id = this.#ids[rows[i]];
      if (!exclude.has(id)) hits.push({ id, score: scores[i] });
    }
    return hits;
  }

  #invalidate(): void {
    this.#matrix?.dispose();
    this.#matrix = null;
  }

  /** Frees the backend copy. */
  dispose(): void {
    this.#invalidate();
  }
}
