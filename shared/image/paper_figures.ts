/**
 * The paper's two picture figures as images: Fig. 3, the learned conv1 kernels, each
 * contrast-normalised; Fig. 4, query images in the first column and beside each the
 * training images whose fc7 vectors are nearest in Euclidean distance.
 *
 * @module
 */
import { blankImage, type RgbImage } from "./rgb_image.ts";
import { resizeImage } from "./resize_short_side.ts";

/** Copies `tile` into `canvas` with its top-left corner at (x, y). */
function paste(canvas: RgbImage, tile: RgbImage, x: number, y: number): void {
  for (let row = 0; row < tile.height; row++) {
    const src = row * tile.width * 3;
    canvas.data.set(tile.data.subarray(src, src + tile.width * 3), ((y + row) * canvas.width + x) * 3);
  }
}

/**
 * Fig. 3: kernels of shape [kh, kw, 3, n] (HWIO, row-major as tfjs stores them) as a grid,
 * each kernel scaled to 0–255 by its own min and max, each pixel drawn `scale`× larger.
 *
 * @example
 * ```ts
 * const grid = kernelGrid(await conv1.getWeights()[0].data(), [11, 11, 3, 64], 8);
 * ```
 */
export function kernelGrid(weights: ArrayLike<number>, shape: number[], columns: number, scale = 4, gap = 2): RgbImage {
  const [kh, kw, channels, count] = shape;
  if (channels !== 3) throw new RangeError(`conv1 kernels need 3 input channels, got ${channels}`);
  const rows = Math.ceil(count / columns);
  const tileW = kw * scale, tileH = kh * scale;
  const canvas = blankImage(columns * (tileW + gap) + gap, rows * (tileH + gap) + gap);
  canvas.data.fill(255);
  for (let k = 0; k < count; k++) {
    let min = Infinity, max = -Infinity;
    for (let i = k; i < weights.length; i += count) {
      min = Math.min(min, weights[i]);
      max = Math.max(max, weights[i]);
    }
    const range = max - min || 1;
    const tile = blankImage(tileW, tileH);
    for (let y = 0; y < tileH; y++) {
      for (let x = 0; x < tileW; x++) {
        for (let c = 0; c < 3; c++) {
          const w = weights[((Math.floor(y / scale) * kw + Math.floor(x / scale)) * 3 + c) * count + k];
          tile.data[(y * tileW + x) * 3 + c] = Math.round(((w - min) / range) * 255);
        }
      }
    }
    paste(canvas, tile, gap + (k % columns) * (tileW + gap), gap + Math.floor(k / columns) * (tileH + gap));
  }
  return canvas;
}

/** Squared Euclidean distance. */
function distance2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return sum;
}

/** Indices of the `k` vectors nearest to `query` (Euclidean), nearest first, skipping `skip`. */
export function nearestByEuclidean(
  query: ArrayLike<number>,
  vectors: ArrayLike<number>[],
  k: number,
  skip = -1,
): number[] {
  return vectors.map((v, i) => ({ i, d: i === skip ? Infinity : distance2(query, v) }))
    .sort((a, b) => a.d - b.d).slice(0, k).map((x) => x.i);
}

/**
 * Fig. 4: one row per query — the query, a wider gap, then its neighbours — every image
 * shown as a `tile`×`tile` square.
 */
export function neighbourGrid(rows: { query: RgbImage; neighbours: RgbImage[] }[], tile = 96, gap = 4): RgbImage {
  const columns = Math.max(...rows.map((r) => r.neighbours.length)) + 1;
  const canvas = blankImage(columns * (tile + gap) + gap * 3, rows.length * (tile + gap) + gap);
  canvas.data.fill(255);
  rows.forEach((row, r) => {
    const y = gap + r * (tile + gap);
    paste(canvas, resizeImage(row.query, tile, tile), gap, y);
    row.neighbours.forEach((image, i) =>
      paste(canvas, resizeImage(image, tile, tile), gap * 3 + (i + 1) * (tile + gap), y)
    );
  });
  return canvas;
}
