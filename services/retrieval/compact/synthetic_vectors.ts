/**
 * fc7-like vectors for the retrieval benchmark and tests: non-negative (ReLU), clustered and
 * L2-normalised, with variation inside a cluster along a few shared directions whose variances
 * fall off as 1/rank (as the spectra of CNN features do), plus a little isotropic noise:
 * `x = normalise(relu(centre[c] + Σ z_i σ_i f_i + ε))`. Generated on the tensor backend in
 * chunks, from a seed.
 *
 * @module
 */
import { tf } from "../../../shared/backend/mod.ts";

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
  const factors = shape.factors ?? 128;
  const spread = shape.spread ?? 0.6, noise = shape.noise ?? 0.15;
  // A centre's entries are |N(0,1)| − 0.3, so ReLU leaves about 3/4 of them positive; its norm ≈ √d.
  const [centres, directions] = tf.tidy(() => {
    const centres = tf.sub(tf.abs(tf.randomNormal([clusters, d], 0, 1, "float32", seed)), 0.3);
    const sigma = tf.sqrt(tf.div(1, tf.range(1, factors + 1)));
    const harmonic = Array.from({ length: factors }, (_, i) => 1 / (i + 1)).reduce((a, b) => a + b);
    // Rows of unit-variance entries scaled so the factor part's expected norm is spread·√d.
    const directions = tf.mul(
      tf.randomNormal([factors, d], 0, spread / Math.sqrt(harmonic), "float32", seed + 1),
      tf.reshape(sigma, [factors, 1]),
    );
    return [centres, directions];
  });
  const out: Float32Array[] = [];
  try {
    for (let start = 0, chunk = 0; start < n; start += 2048, chunk++) {
      const rows = Math.min(2048, n - start);
      const batch = tf.tidy(() => {
        const which = tf.randomUniform([rows], 0, clusters, "int32", seed + 2 + chunk * 3);
        const z = tf.randomNormal([rows, factors], 0, 1, "float32", seed + 3 + chunk * 3);
        const eps = tf.randomNormal([rows, d], 0, noise, "float32", seed + 4 + chunk * 3);
        const x = tf.relu(tf.add(tf.add(tf.gather(centres, which), tf.matMul(z, directions)), eps));
        return tf.div(x, tf.maximum(tf.norm(x, 2, 1, true), 1e-12));
      });
      const data = await batch.data() as Float32Array;
      batch.dispose();
      const vectors = Array.from({ length: rows }, (_, i) => data.slice(i * d, (i + 1) * d));
      await onChunk(vectors, start + rows);
      if (keep) out.push(...vectors);
    }
  } finally {
    tf.dispose([centres, directions]);
  }
  return out;
}
