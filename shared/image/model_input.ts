/**
 * The evaluation view of an image for a checkpoint: short side rescaled to the checkpoint's
 * `resizeSize`, then the central `inputSize` square (§2 of the paper, at test time).
 *
 * @module
 */
import { centerCrop } from "./crop_image.ts";
import { resizeShortSide } from "./resize_short_side.ts";
import type { RgbImage } from "./rgb_image.ts";

/** The two sizes every checkpoint manifest records. */
export interface InputGeometry {
  resizeSize: number;
  inputSize: number;
}

/**
 * @example
 * ```ts
 * const crop = centerCropForModel(await decodeImage(bytes), manifest);
 * ```
 */
export function centerCropForModel(image: RgbImage, { resizeSize, inputSize }: InputGeometry): RgbImage {
  return centerCrop(resizeShortSide(image, resizeSize), inputSize);
}
