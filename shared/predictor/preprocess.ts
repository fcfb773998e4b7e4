/**
 * How an image becomes the network's input at test time, for every caller (services, CLIs and
 * the in-browser classifier): the short side rescaled to the checkpoint's `resizeSize`, then the
 * central `inputSize` square — or the paper's ten crops (§4.1: four corners and the centre, each
 * mirrored) — normalised with the checkpoint's mean and std into NHWC float32 values. (Images
 * longer than 16:1 lose the ends of their long side first; see {@linkcode MAX_ASPECT}.)
 *
 * Pure functions of pixels: no tensors, so the browser bundle uses them too.
 *
 * @module
 */
import { centerCropWindow, cropImage, tenCropWindows } from "../image/crop_image.ts";
import { type Normalization, normalizeBatch } from "../image/normalize_batch.ts";
import { resizeShortSide } from "../image/resize_short_side.ts";
import { releaseBuffers } from "../image/release_buffer.ts";
import type { RgbImage } from "../image/rgb_image.ts";

/** Test-time augmentation: one centre crop, or ten crops whose softmax outputs are averaged. */
export type TestTimeAugmentation = "center" | "ten-crop";

/** The preprocessing every checkpoint manifest records. */
export interface Preprocessing {
  /** The short side is rescaled to this before cropping. */
  resizeSize: number;
  /** The square crop the network takes. */
  inputSize: number;
  normalization: Normalization;
}

/**
 * Images longer than 16:1 are cut to their central 16:1 part before rescaling: a 4000×8 strip
 * (or a 40000×1 one, a 40 KB file) would otherwise become a 128000×256 (1,280,000×256) image
 * to crop 224×224 out of. Every crop of an image up to 16:1 is unchanged.
 */
export const MAX_ASPECT = 16;

function withinAspect(image: RgbImage, maxAspect: number): RgbImage {
  const short = Math.min(image.width, image.height);
  const long = Math.max(image.width, image.height);
  if (long <= short * maxAspect) return image;
  const keep = short * maxAspect;
  const wide = image.width > image.height;
  const window = wide
    ? { x: Math.floor((image.width - keep) / 2), y: 0, width: keep, height: image.height }
    : { x: 0, y: Math.floor((image.height - keep) / 2), width: image.width, height: keep };
  const data = new Uint8Array(window.width * window.height * 3);
  for (let row = 0; row < window.height; row++) {
    const from = ((window.y + row) * image.width + window.x) * 3;
    data.set(image.data.subarray(from, from + window.width * 3), row * window.width * 3);
  }
  return { width: window.width, height: window.height, data };
}

/**
 * The crops of one image the network sees.
 *
 * @example
 * ```ts
 * const [crop] = evaluationCrops(await decodeImage(bytes), manifest);
 * ```
 */
export function evaluationCrops(
  image: RgbImage,
  { resizeSize, inputSize }: Pick<Preprocessing, "resizeSize" | "inputSize">,
  tta: TestTimeAugmentation = "center",
): RgbImage[] {
  const bounded = withinAspect(image, MAX_ASPECT);
  const scaled = resizeShortSide(bounded, resizeSize);
  const windows = tta === "ten-crop" ? tenCropWindows(scaled, inputSize) : [centerCropWindow(scaled, inputSize)];
  const crops = windows.map((window) => cropImage(scaled, window));
  // The intermediate images made here are done with (the caller's own image is left alone).
  for (const made of new Set([bounded, scaled])) if (made !== image) releaseBuffers(made.data);
  return crops;
}

/**
 * Network input for `images`: their crops, normalised, back to back as `[count, inputSize,
 * inputSize, 3]` values (`count` = images × crops per image).
 *
 * @example
 * ```ts
 * const { values, count } = modelInput([image], manifest, "ten-crop"); // count 10
 * ```
 */
export function modelInput(
  images: RgbImage[],
  preprocessing: Preprocessing,
  tta: TestTimeAugmentation = "center",
): { values: Float32Array; count: number } {
  const crops = images.flatMap((image) => evaluationCrops(image, preprocessing, tta));
  const values = normalizeBatch(crops, preprocessing.normalization);
  releaseBuffers(...crops.map((crop) => crop.data));
  return { values, count: crops.length };
}
