/**
 * Turns 8-bit RGB images into the float NHWC input the network takes:
 * ((pixel / 255 + colourShift) − mean) / std per channel.
 *
 * @module
 */
import type { RgbImage } from "./rgb_image.ts";

/** Per-channel normalisation stored in every checkpoint. */
export interface Normalization {
  mean: [number, number, number];
  std: [number, number, number];
}

/** torchvision's ImageNet statistics, the default. */
export const IMAGENET_NORMALIZATION: Normalization = {
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

/**
 * Packs same-sized square images into one Float32Array of shape [n, size, size, 3].
 *
 * @example
 * ```ts
 * const values = normalizeBatch(crops, IMAGENET_NORMALIZATION);
 * const batch = tf.tensor4d(values, [crops.length, 224, 224, 3]);
 * ```
 */
export function normalizeBatch(
  images: RgbImage[],
  { mean, std }: Normalization,
  colourShifts?: [number, number, number][],
): Float32Array {
  if (images.length === 0) return new Float32Array(0);
  const { width, height } = images[0];
  const perImage = width * height * 3;
  const out = new Float32Array(images.length * perImage);
  images.forEach((image, n) => {
    if (image.width !== width || image.height !== height) {
      throw new RangeError(`batch mixes ${width}×${height} and ${image.width}×${image.height} images`);
    }
    const shift = colourShifts?.[n] ?? [0, 0, 0];
    const offset = n * perImage;
    for (let c = 0; c < 3; c++) {
      const scale = 1 / (255 * std[c]);
      const bias = (shift[c] - mean[c]) / std[c];
      for (let i = c; i < perImage; i += 3) out[offset + i] = image.data[i] * scale + bias;
    }
  });
  return out;
}
