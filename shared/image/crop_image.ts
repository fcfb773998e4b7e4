/**
 * Crops (and mirrors): the paper's random 224×224 patches with horizontal reflections
 * (§4.1), the centre crop, and the ten-crop used at test time.
 *
 * @module
 */
import type { RgbImage } from "./rgb_image.ts";
import type { SeededRandom } from "../random/seeded_random.ts";

/** A square patch position, optionally mirrored left–right. */
export interface CropWindow {
  x: number;
  y: number;
  size: number;
  flip: boolean;
}

/** Cuts `window` out of `image`. */
export function cropImage(image: RgbImage, { x, y, size, flip }: CropWindow): RgbImage {
  if (x < 0 || y < 0 || x + size > image.width || y + size > image.height) {
    throw new RangeError(`crop ${size}×${size} at (${x}, ${y}) does not fit in ${image.width}×${image.height}`);
  }
  const data = new Uint8Array(size * size * 3);
  for (let row = 0; row < size; row++) {
    const src = ((y + row) * image.width + x) * 3;
    const dst = row * size * 3;
    if (!flip) {
      data.set(image.data.subarray(src, src + size * 3), dst);
      continue;
    }
    for (let col = 0; col < size; col++) {
      const s = src + (size - 1 - col) * 3;
      data[dst + col * 3] = image.data[s];
      data[dst + col * 3 + 1] = image.data[s + 1];
      data[dst + col * 3 + 2] = image.data[s + 2];
    }
  }
  return { width: size, height: size, data };
}

/** The central square of side `size`. */
export function centerCropWindow(image: RgbImage, size: number): CropWindow {
  return {
    x: Math.floor((image.width - size) / 2),
    y: Math.floor((image.height - size) / 2),
    size,
    flip: false,
  };
}

/** The central square of side `size`. */
export function centerCrop(image: RgbImage, size: number): RgbImage {
  return cropImage(image, centerCropWindow(image, size));
}

/**
 * A random patch and coin-flip mirror: (W−size) × (H−size) positions × 2, i.e. 32·32·2 =
 * 2048 variants of a 256×256 image at 224 (§4.1).
 */
export function randomCropWindow(image: RgbImage, size: number, rng: SeededRandom, flip = true): CropWindow {
  return {
    x: rng.int(Math.max(1, image.width - size)),
    y: rng.int(Math.max(1, image.height - size)),
    size,
    flip: flip && rng.uniform() < 0.5,
  };
}

/** The four corner patches and the centre patch, each also mirrored (§4.1, test time). */
export function tenCropWindows(image: RgbImage, size: number): CropWindow[] {
  const right = image.width - size;
  const bottom = image.height - size;
  const centre = centerCropWindow(image, size);
  const five = [{ x: 0, y: 0 }, { x: right, y: 0 }, { x: 0, y: bottom }, { x: right, y: bottom }, centre];
  return [false, true].flatMap((flip) => five.map(({ x, y }) => ({ x, y, size, flip })));
}
