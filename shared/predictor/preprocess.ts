/**
 * How an image becomes the network's input at test time, for every caller (services, CLIs and
 * the in-browser classifier): the short side rescaled to the checkpoint's `resizeSize`, then the
 * central `inputSize` square — or the paper's ten crops (§4.1: four corners and the centre, each
 * mirrored) — normalised with the checkpoint's mean and std into NHWC float32 values.
 *
 * Pure functions of pixels: no tensors, so the browser bundle uses them too.
 *
 * @module
 */
import { centerCropWindow, cropImage, tenCropWindows } from "../image/crop_image.ts";
import { type Normalization, normalizeBatch } from "../image/normalize_batch.ts";
import { resizeShortSide } from "../image/resize_short_side.ts";
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
  const scaled = resizeShortSide(image, resizeSize);
  const windows = tta === "ten-crop" ? tenCropWindows(scaled, inputSize) : [centerCropWindow(scaled, inputSize)];
  return windows.map((window) => cropImage(scaled, window));
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
  return { values: normalizeBatch(crops, preprocessing.normalization), count: crops.length };
}
