/**
 * k-means (Lloyd's iterations) for the coarse quantiser of the inverted-file index: the distance
 * products run on the tensor backend, in chunks; the centroid updates in JavaScript.
 *
 * @module
 */
import { tf } from "../../../shared/backend/mod.ts";
import { SeededRandom } from "../../../shared/random/mod.ts";

/**
 * The nearest centroid (squared L2) of every row: `argmax(x · c − ‖c‖² / 2)`, on the backend.
 * `centroids` holds `count` rows of `dim`.
 */
export async function nearestCentroids(
  rows: readonly Float32Array[],
  centroids: Float32Array,
  count: number,
  chunk = 4096,
): Promise<Int32Array> {
  const dim = centroids.length / count;
  const out = new Int32Array(rows.length);
  const halfNorms = new Float32Array(count);
  for (let c = 0; c < count; c++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += centroids[c * dim + j] ** 2;
    halfNorms[c] = s / 2;
  }
  const [ct, bias] = tf.tidy(() => [tf.transpose(tf.tensor2d(centroids, [count, dim])), tf.tensor1d(halfNorms)]);
  try {
    for (let start = 0; start < rows.length; start += chunk) {
      const part = rows.slice(start, start + chunk);
      const flat = new Float32Array(part.length * dim);
      part.forEach((row, i) => flat.set(row, i * dim));
      const best = tf.tidy(() => tf.argMax(tf.sub(tf.matMul(tf.tensor2d(flat, [part.length, dim]), ct), bias), 1));
      out.set(await best.data() as Int32Array, start);
      best.dispose();
    }
  } finally {
    tf.dispose([ct, bias]);
  }
  return out;
}

/** Settings of {@linkcode kmeans}. */
export interface KmeansOptions {
  iterations?: number;
  seed?: number;
}

/**
 * `count` centroids of `rows` (row-major in the result). Starts from distinct random rows; an
 * emptied cluster is re-seeded with a random row.
 */
export async function kmeans(rows: readonly Float32Array[], count: number, options: KmeansOptions = {}) {
  if (rows.length < count) throw new RangeError(`k-means with ${count} clusters needs at least ${count} rows`);
  const dim = rows[0].length;
  const rng = new SeededRandom(options.seed ?? 1);
  const centroids = new Float32Array(count * dim);
  rng.shuffle([...rows.keys()]).slice(0, count).forEach((r, c) => centroids.set(rows[r], c * dim));
  for (let it = 0; it < (options.iterations ?? 12); it++) {
    const assignment = await nearestCentroids(rows, centroids, count);
    const sums = new Float64Array(count * dim);
    const sizes = new Int32Array(count);
    rows.forEach((row, i) => {
      const c = assignment[i];
      sizes[c]++;
      for (let j = 0; j < dim; j++) sums[c * dim + j] += row[j];
    });
    for (let c = 0; c < count; c++) {
      if (sizes[c] === 0) centroids.set(rows[rng.int(rows.length)], c * dim);
      else for (let j = 0; j < dim; j++) centroids[c * dim + j] = sums[c * dim + j] / sizes[c];
    }
  }
  return centroids;
}
