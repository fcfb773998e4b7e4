/**
 * The paper's training-time augmentation (§4.1) turned into network input: for each image a
 * random `inputSize` crop (or the centre one) with a coin-flip mirror, then PCA colour noise
 * per image. Two outputs from the same draws: normalised NHWC float32 values (for the WASM
 * worker pool), or 8-bit pixels packed one RGB pixel per int32 with the colour shifts beside
 * them, a quarter of the bytes, normalised on the device ({@linkcode normalizePackedBatch}).
 *
 * @module
 */
import {
  centerCropWindow,
  type ColourPca,
  cropImage,
  type CropWindow,
  drawColourShift,
  IMAGENET_NORMALIZATION,
  normalizeBatch,
  randomCropWindow,
  type RgbImage,
} from "../../shared/image/mod.ts";
import type { SeededRandom } from "../../shared/random/mod.ts";

/** Which augmentations a run uses. */
export interface Augmentation {
  inputSize: number;
  crop: boolean;
  flip: boolean;
  /** The training set's colour PCA, or null for no colour noise. */
  pca: ColourPca | null;
}

/** A batch's pixels packed `r | g << 8 | b << 16` per pixel (`[n, inputSize, inputSize]`) and colour shifts (`[n, 3]`). */
export interface PackedBatch {
  pixels: Int32Array;
  /** Added to each channel (on the 0–1 scale) before normalising; zeros without PCA. */
  shifts: Float32Array;
}

/** The random draws of a batch: `rng` gives crops and flips first, then colour shifts, in image order. */
function draw(images: RgbImage[], augmentation: Augmentation, rng: SeededRandom) {
  const { inputSize, crop, flip, pca } = augmentation;
  const windows: CropWindow[] = images.map((image) =>
    crop
      ? randomCropWindow(image, inputSize, rng, flip)
      : { ...centerCropWindow(image, inputSize), flip: flip && rng.uniform() < 0.5 }
  );
  const shifts = pca ? images.map(() => drawColourShift(pca, rng)) : undefined;
  return { windows, shifts };
}

/**
 * Normalised float32 input for one training batch.
 *
 * @example
 * ```ts
 * const values = augmentBatch(images, { inputSize: 224, crop: true, flip: true, pca }, rng);
 * ```
 */
export function augmentBatch(images: RgbImage[], augmentation: Augmentation, rng: SeededRandom): Float32Array {
  const { windows, shifts } = draw(images, augmentation, rng);
  return normalizeBatch(images.map((image, i) => cropImage(image, windows[i])), IMAGENET_NORMALIZATION, shifts);
}

/**
 * The same batch as {@linkcode augmentBatch} (same draws from the same `rng`), as packed 8-bit
 * pixels and colour shifts.
 */
export function augmentBatchPacked(images: RgbImage[], augmentation: Augmentation, rng: SeededRandom): PackedBatch {
  const { windows, shifts } = draw(images, augmentation, rng);
  const size = augmentation.inputSize;
  const pixels = new Int32Array(images.length * size * size);
  images.forEach((image, n) => {
    const { x, y, flip } = windows[n];
    const { data, width } = image;
    let out = n * size * size;
    for (let row = 0; row < size; row++) {
      const line = ((y + row) * width + x) * 3;
      for (let col = 0; col < size; col++, out++) {
        const p = line + (flip ? size - 1 - col : col) * 3;
        pixels[out] = data[p] | (data[p + 1] << 8) | (data[p + 2] << 16);
      }
    }
  });
  return { pixels, shifts: Float32Array.from(shifts?.flat() ?? new Array(images.length * 3).fill(0)) };
}
