/**
 * The paper's colour augmentation (§4.1): PCA of the RGB values over the training set, then
 * per image and per pass a shift [p1 p2 p3]·[α1·s1, α2·s2, α3·s3]ᵀ added to every pixel, with
 * αi ~ N(0, 0.1).
 *
 * The paper writes λi, the covariance eigenvalues, where we use si = √λi, the standard
 * deviation along each principal axis: λi has units of intensity² and only gives a sensible
 * shift in the paper's (unstated) pixel scale, whereas √λi makes the shift "10% of the
 * natural colour spread" in any scale — what common reproductions (fb.resnet.torch's
 * `Lighting`) do. Both λi and the vectors are stored in the checkpoint.
 *
 * @module
 */
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import type { RgbImage } from "./rgb_image.ts";
import type { SeededRandom } from "../random/seeded_random.ts";

/** Principal axes of RGB colour, intensities in [0, 1]. Largest eigenvalue first. */
export interface ColourPca {
  /** λ1 ≥ λ2 ≥ λ3: variance along each axis. */
  eigenvalues: [number, number, number];
  /** Unit eigenvectors, one per row, in the order of `eigenvalues`. */
  eigenvectors: [[number, number, number], [number, number, number], [number, number, number]];
}

/**
 * Computes the RGB covariance over all pixels of `images` and its eigen-decomposition.
 *
 * @example
 * ```ts
 * const pca = computeColourPca(trainingImages);
 * ```
 */
export function computeColourPca(images: Iterable<RgbImage>): ColourPca {
  const sum = [0, 0, 0];
  const cross = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  let count = 0;
  for (const { data } of images) {
    for (let i = 0; i < data.length; i += 3) {
      const r = data[i] / 255, g = data[i + 1] / 255, b = data[i + 2] / 255;
      sum[0] += r, sum[1] += g, sum[2] += b;
      cross[0] += r * r, cross[1] += r * g, cross[2] += r * b;
      cross[4] += g * g, cross[5] += g * b, cross[8] += b * b;
    }
    count += data.length / 3;
  }
  if (count < 2) throw new Error("colour PCA needs at least two pixels");
  const mean = sum.map((s) => s / count);
  const cov = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  for (let i = 0; i < 3; i++) {
    for (let j = i; j < 3; j++) {
      cov[i][j] = cov[j][i] = (cross[i * 3 + j] - count * mean[i] * mean[j]) / (count - 1);
    }
  }
  const eig = new EigenvalueDecomposition(new Matrix(cov), { assumeSymmetric: true });
  const values = eig.realEigenvalues;
  const vectors = eig.eigenvectorMatrix;
  const order = [0, 1, 2].sort((a, b) => values[b] - values[a]);
  return {
    eigenvalues: order.map((k) => Math.max(values[k], 0)) as ColourPca["eigenvalues"],
    eigenvectors: order.map((k) => vectors.getColumn(k)) as ColourPca["eigenvectors"],
  };
}

/** One draw of the colour shift, in [0, 1] intensity units per channel (R, G, B). */
export function drawColourShift(pca: ColourPca, rng: SeededRandom, alphaStd = 0.1): [number, number, number] {
  const shift: [number, number, number] = [0, 0, 0];
  for (let k = 0; k < 3; k++) {
    const weight = rng.normal(0, alphaStd) * Math.sqrt(pca.eigenvalues[k]);
    for (let c = 0; c < 3; c++) shift[c] += pca.eigenvectors[k][c] * weight;
  }
  return shift;
}
