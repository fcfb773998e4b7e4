/**
 * Principal components of a catalogue's embeddings, learned per model version, to search in
 * far fewer dimensions (4096 → 256). Fitted by randomized subspace iteration (Halko, Martinsson
 * & Tropp 2011): the big products run on the tensor backend, the orthonormalisation of the
 * (d × m) iterate in JavaScript, the eigen-decomposition of the (m × m) projected covariance in
 * ml-matrix; the d × d covariance is never formed.
 *
 * @module
 */
import { tf } from "../../../shared/backend/mod.ts";
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { SeededRandom } from "../../../shared/random/mod.ts";

/** A fitted reduction: `y = components · (x − mean)`, optionally divided by `√variances` (whitening). */
export interface Pca {
  /** Input dimensions (4096 for fc7). */
  inputSize: number;
  /** Output dimensions. */
  size: number;
  mean: Float32Array;
  /** `size` rows of `inputSize`, orthonormal, by decreasing variance. */
  components: Float32Array;
  /** The variance of the fitted rows along each component. */
  variances: Float32Array;
}

/** Settings of {@linkcode fitPca}. */
export interface PcaOptions {
  /** Power iterations (default 3). */
  iterations?: number;
  /** Extra directions carried through the iteration for accuracy (default 16). */
  oversample?: number;
  seed?: number;
}

/** Fits `size` principal components to `rows` (each of the same length). */
export async function fitPca(rows: readonly Float32Array[], size: number, options: PcaOptions = {}): Promise<Pca> {
  const n = rows.length, d = rows[0]?.length ?? 0;
  if (n < 2) throw new RangeError("fitting a PCA needs at least 2 rows");
  const m = Math.min(size + (options.oversample ?? 16), d, n);
  if (size > m) throw new RangeError(`cannot fit ${size} components to ${n} rows of ${d}`);
  const mean = new Float32Array(d);
  for (const row of rows) for (let j = 0; j < d; j++) mean[j] += row[j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const centred = new Float32Array(n * d);
  rows.forEach((row, i) => {
    for (let j = 0; j < d; j++) centred[i * d + j] = row[j] - mean[j];
  });
  const rng = new SeededRandom(options.seed ?? 1);
  let basis = orthonormalColumns(Float32Array.from({ length: d * m }, () => rng.normal()), d, m);
  const x = tf.tensor2d(centred, [n, d]);
  const xt = tf.transpose(x); // an explicit transpose: transposed products are slow on WASM
  try {
    for (let i = 0; i < (options.iterations ?? 3); i++) {
      const product = tf.tidy(() => tf.matMul(xt, tf.matMul(x, tf.tensor2d(basis, [d, m]))));
      basis = orthonormalColumns(await readAndDispose(product), d, m);
    }
    // The covariance restricted to the subspace, B = Qᵀ Xᵀ X Q / n, is small (m × m).
    const small = tf.tidy(() => {
      const xq = tf.matMul(x, tf.tensor2d(basis, [d, m]));
      return tf.div(tf.matMul(tf.transpose(xq), xq), n);
    });
    const { values, vectors } = symmetricEigen(await readAndDispose(small), m);
    const order = [...values.keys()].sort((a, b) => values[b] - values[a]).slice(0, size);
    const components = new Float32Array(size * d);
    order.forEach((col, r) => {
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let c = 0; c < m; c++) s += basis[j * m + c] * vectors[c * m + col];
        components[r * d + j] = s;
      }
    });
    return { inputSize: d, size, mean, components, variances: Float32Array.from(order, (c) => Math.max(values[c], 0)) };
  } finally {
    tf.dispose([x, xt]);
  }
}

async function readAndDispose(t: tf.Tensor): Promise<Float32Array> {
  const data = await t.data() as Float32Array;
  t.dispose();
  return data;
}

/**
 * Orthonormalises the `m` columns of a row-major (d × m) matrix: modified Gram–Schmidt, twice,
 * in float64. Hand-written because ml-matrix's QR took 3.84 s for 4096 × 272 here, this 0.46 s.
 */
function orthonormalColumns(a: Float32Array, d: number, m: number): Float32Array {
  const cols = Array.from({ length: m }, (_, c) => Float64Array.from({ length: d }, (_, j) => a[j * m + c]));
  for (let pass = 0; pass < 2; pass++) {
    for (let c = 0; c < m; c++) {
      const v = cols[c];
      for (let p = 0; p < c; p++) {
        const u = cols[p];
        let dot = 0;
        for (let j = 0; j < d; j++) dot += u[j] * v[j];
        for (let j = 0; j < d; j++) v[j] -= dot * u[j];
      }
      let norm = 0;
      for (let j = 0; j < d; j++) norm += v[j] * v[j];
      norm = Math.sqrt(norm) || 1;
      for (let j = 0; j < d; j++) v[j] /= norm;
    }
  }
  const out = new Float32Array(d * m);
  cols.forEach((v, c) => v.forEach((x, j) => out[j * m + c] = x));
  return out;
}

/** Eigenvalues and eigenvectors (columns of a row-major m × m) of a symmetric matrix. */
function symmetricEigen(matrix: ArrayLike<number>, m: number): { values: number[]; vectors: Float64Array } {
  const rows = Array.from({ length: m }, (_, i) => Array.from({ length: m }, (_, j) => matrix[i * m + j]));
  // Symmetrise away float32 round-off so the symmetric solver applies.
  for (let i = 0; i < m; i++) for (let j = 0; j < i; j++) rows[i][j] = rows[j][i] = (rows[i][j] + rows[j][i]) / 2;
  const evd = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
  const v = evd.eigenvectorMatrix;
  const vectors = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) vectors[i * m + j] = v.get(i, j);
  return { values: evd.realEigenvalues, vectors };
}

/**
 * `components · (x − mean)` (with `centre`) or `components · x` (without), one vector, in JavaScript.
 */
export function project(pca: Pca, x: ArrayLike<number>, centre = true): Float32Array {
  const { inputSize: d, size, mean, components } = pca;
  if (x.length !== d) throw new RangeError(`vector has ${x.length} dimensions, the reduction expects ${d}`);
  const shifted = new Float32Array(d);
  for (let j = 0; j < d; j++) shifted[j] = centre ? x[j] - mean[j] : x[j];
  const y = new Float32Array(size);
  const whole = d & ~3;
  for (let r = 0; r < size; r++) {
    // Four partial sums, so one row's additions do not wait on each other.
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const off = r * d;
    for (let j = 0; j < whole; j += 4) {
      s0 += components[off + j] * shifted[j];
      s1 += components[off + j + 1] * shifted[j + 1];
      s2 += components[off + j + 2] * shifted[j + 2];
      s3 += components[off + j + 3] * shifted[j + 3];
    }
    for (let j = whole; j < d; j++) s0 += components[off + j] * shifted[j];
    y[r] = s0 + s1 + s2 + s3;
  }
  return y;
}

/** {@linkcode project} for many rows at once, on the tensor backend (centred). */
export async function projectRows(pca: Pca, rows: readonly Float32Array[], chunk = 2048): Promise<Float32Array[]> {
  const { inputSize: d, size } = pca;
  const out: Float32Array[] = [];
  const components = tf.tidy(() => tf.transpose(tf.tensor2d(pca.components, [size, d]))); // d × size
  const mean = tf.tensor1d(pca.mean);
  try {
    for (let start = 0; start < rows.length; start += chunk) {
      const part = rows.slice(start, start + chunk);
      const flat = new Float32Array(part.length * d);
      part.forEach((row, i) => flat.set(row, i * d));
      const y = tf.tidy(() => tf.matMul(tf.sub(tf.tensor2d(flat, [part.length, d]), mean), components));
      const data = await readAndDispose(y);
      for (let i = 0; i < part.length; i++) out.push(data.slice(i * size, (i + 1) * size));
    }
  } finally {
    tf.dispose([components, mean]);
  }
  return out;
}
