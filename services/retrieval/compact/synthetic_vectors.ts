/**
 * fc7-like vectors for the retrieval benchmark and tests: non-negative (ReLU), clustered and
 * L2-normalised, with variation inside a cluster along a few shared directions whose variances
 * fall off as 1/rank (as the spectra of CNN features do), plus a little isotropic noise:
 * `x = normalise(relu(centre[c] + Σ z_i σ_i f_i + ε))`. Generated on the tensor backend in
 * chunks, from a seed.
 *
 * Harder catalogues take more options: each cluster's own directions of variation beside the
 * shared ones (`+ Σ w_j τ_j g[c]_j`), cluster sizes falling off as 1/rank^skew, centres shifted
 * further below zero so ReLU leaves them sparse, and a share of near-duplicates (an earlier
 * vector of the same chunk plus a little noise).
 *
 * @module
 */
import { tf } from "../../../shared/backend/mod.ts";
import { SeededRandom } from "../../../shared/random/mod.ts";

/** Shape of the generated set. */
export interface SyntheticShape {
  /** Vector length (4096 like fc7). */
  dimension: number;
  /** Clusters (default n / 1000, at least 10). */
  clusters?: number;
  /** Shared directions of variation (default 128). */
  factors?: number;
  /** Scale of a vector's factor part against its cluster centre (default 0.6). */
  spread?: number;
  /** Scale of the isotropic noise against the centre (default 0.15). */
  noise?: number;
  /** Directions of variation of each cluster's own (default 0: shared ones only). */
  ownFactors?: number;
  /** Scale of a vector's own-direction part against its cluster centre (default 0.6). */
  ownSpread?: number;
  /** Cluster c (from 0) is drawn with weight 1/(c+1)^skew (default 0: equal sizes). */
  sizeSkew?: number;
  /** Subtracted from a centre's |N(0,1)| entries before ReLU (default 0.3: ~3/4 nonzero; 1: ~1/3). */
  centreShift?: number;
  /** Share of vectors that are near-duplicates of another (default 0). */
  duplicates?: number;
  seed?: number;
}

/**
 * `n` vectors of `shape.dimension`, produced chunk by chunk (`onChunk` sees each, to keep
 * memory flat when only a stream is needed); returns every vector unless `keep` is false.
 */
export async function syntheticVectors(
  n: number,
  shape: SyntheticShape,
  onChunk: (vectors: Float32Array[], done: number) => void | Promise<void> = () => {},
  keep = true,
): Promise<Float32Array[]> {
  const d = shape.dimension, seed = shape.seed ?? 1;
  const clusters = shape.clusters ?? Math.max(10, Math.round(n / 1000));
  const own = shape.ownFactors ?? 0;
  const { centres, directions, ownDirections } = makeBasis(shape, clusters);
  // Drawn here when a row's cluster chooses its own directions too, or when sizes are unequal.
  const pickCluster = own > 0 || shape.sizeSkew ? clusterSampler(clusters, shape.sizeSkew ?? 0, seed) : null;
  const rng = new SeededRandom(seed + 5);
  const out: Float32Array[] = [];
  try {
    for (let start = 0, chunk = 0; start < n; start += 2048, chunk++) {
      const rows = Math.min(2048, n - start);
      const batch = tf.tidy(() => {
        const drawn = pickCluster ? Array.from({ length: rows }, pickCluster) : null;
        const which = drawn
          ? tf.tensor1d(drawn, "int32")
          : tf.randomUniform([rows], 0, clusters, "int32", seed + 2 + chunk * 3);
        const z = tf.randomNormal([rows, directions.shape[0]], 0, 1, "float32", seed + 3 + chunk * 3);
        const eps = tf.randomNormal([rows, d], 0, shape.noise ?? 0.15, "float32", seed + 4 + chunk * 3);
        let x = tf.add(tf.add(tf.gather(centres, which), tf.matMul(z, directions)), eps);
        if (ownDirections) x = tf.add(x, ownPart(ownDirections, drawn!, seed + 1e6 + chunk));
        x = tf.relu(x);
        return tf.div(x, tf.maximum(tf.norm(x, 2, 1, true), 1e-12));
      });
      const data = await batch.data() as Float32Array;
      batch.dispose();
      const vectors = Array.from({ length: rows }, (_, i) => data.slice(i * d, (i + 1) * d));
      nearDuplicates(vectors, shape.duplicates ?? 0, rng);
      await onChunk(vectors, start + rows);
      if (keep) out.push(...vectors);
    }
  } finally {
    tf.dispose([centres, directions, ...(ownDirections ?? [])]);
  }
  return out;
}

/** Rows of unit-variance entries scaled by √(1/rank), so the part's expected norm is `spread`·√d. */
function scaledDirections(count: number, d: number, spread: number, seed: number): tf.Tensor2D {
  const harmonic = Array.from({ length: count }, (_, i) => 1 / (i + 1)).reduce((a, b) => a + b);
  const sigma = tf.sqrt(tf.div(1, tf.range(1, count + 1)));
  return tf.mul(
    tf.randomNormal([count, d], 0, spread / Math.sqrt(harmonic), "float32", seed),
    tf.reshape(sigma, [count, 1]),
  ) as tf.Tensor2D;
}

/** The centres, the shared directions and (with own factors) every cluster's own (`[own, d]` each). */
function makeBasis(
  shape: SyntheticShape,
  clusters: number,
): { centres: tf.Tensor2D; directions: tf.Tensor2D; ownDirections: tf.Tensor2D[] | null } {
  const d = shape.dimension, seed = shape.seed ?? 1, ownCount = shape.ownFactors ?? 0;
  const [centres, directions, ...ownDirections] = tf.tidy(() => {
    // A centre's entries are |N(0,1)| − shift, so ReLU leaves about 3/4 of them positive at 0.3; its norm ≈ √d.
    const centres = tf.sub(tf.abs(tf.randomNormal([clusters, d], 0, 1, "float32", seed)), shape.centreShift ?? 0.3);
    const directions = scaledDirections(shape.factors ?? 128, d, shape.spread ?? 0.6, seed + 1);
    const own = Array.from(
      { length: ownCount > 0 ? clusters : 0 },
      (_, c) => scaledDirections(ownCount, d, shape.ownSpread ?? 0.6, seed + 100 + c),
    );
    return [centres, directions, ...own];
  });
  return {
    centres: centres as tf.Tensor2D,
    directions: directions as tf.Tensor2D,
    ownDirections: ownDirections.length ? ownDirections as tf.Tensor2D[] : null,
  };
}

/**
 * Each row's own-direction part: its cluster's directions weighted by fresh normal draws —
 * one matrix product per cluster present (rows grouped by cluster, then put back in order).
 */
function ownPart(ownDirections: tf.Tensor2D[], which: number[], seed: number): tf.Tensor2D {
  const order = which.map((_, i) => i).sort((x, y) => which[x] - which[y]);
  const parts: tf.Tensor2D[] = [];
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end < order.length && which[order[end]] === which[order[start]]) end++;
    const directions = ownDirections[which[order[start]]];
    const w = tf.randomNormal([end - start, directions.shape[0]], 0, 1, "float32", seed * 7919 + start);
    parts.push(tf.matMul(w, directions));
    start = end;
  }
  const back = new Int32Array(order.length);
  order.forEach((row, position) => back[row] = position);
  return tf.gather(tf.concat(parts), tf.tensor1d(back, "int32"));
}

/** Draws cluster numbers with weight 1/(c+1)^skew (0: equal). */
function clusterSampler(clusters: number, skew: number, seed: number): () => number {
  const cumulative: number[] = [];
  let total = 0;
  for (let c = 0; c < clusters; c++) cumulative.push(total += 1 / (c + 1) ** skew);
  const rng = new SeededRandom(seed + 6);
  return () => {
    const u = rng.uniform() * total;
    let lo = 0, hi = clusters - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Replaces a `share` of the chunk's vectors (after its first) with an earlier one plus noise of 5% of its norm. */
function nearDuplicates(vectors: Float32Array[], share: number, rng: SeededRandom): void {
  if (share === 0) return;
  const d = vectors[0].length, std = 0.05 / Math.sqrt(d);
  for (let i = 1; i < vectors.length; i++) {
    if (rng.uniform() >= share) continue;
    const from = vectors[rng.int(i)], copy = new Float32Array(d);
    let sum = 0;
    for (let k = 0; k < d; k++) {
      copy[k] = Math.max(0, from[k] + (from[k] > 0 ? rng.normal(0, std) : 0));
      sum += copy[k] * copy[k];
    }
    const scale = 1 / Math.sqrt(sum);
    for (let k = 0; k < d; k++) copy[k] *= scale;
    vectors[i] = copy;
  }
}
