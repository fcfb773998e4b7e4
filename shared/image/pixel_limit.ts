/**
 * The services' guard against decompression bombs: an image whose header announces more
 * pixels than allowed is refused before any decoding (a 45-megapixel PNG can be a 100 KB file).
 *
 * @module
 */
import { decodeImage } from "./decode_image.ts";
import { readImageSize } from "./read_image_size.ts";
import type { RgbImage } from "./rgb_image.ts";

/** An image with more pixels than the service accepts. */
export class PixelLimitError extends Error {
  override name = "PixelLimitError";
}

/** Refuses images whose header announces more than `maxPixels`, before any decoding. */
export function checkPixelLimit(bytes: Uint8Array, maxPixels: number): void {
  const { width, height } = readImageSize(bytes);
  if (width * height > maxPixels) {
    throw new PixelLimitError(
      `image is ${width}×${height} = ${(width * height / 1e6).toFixed(1)} MP; the limit is ${maxPixels / 1e6} MP`,
    );
  }
}

/**
 * {@linkcode checkPixelLimit}, then decodes.
 *
 * @example
 * ```ts
 * const image = await decodeImageWithin(bytes, 40e6);
 * ```
 */
export async function decodeImageWithin(bytes: Uint8Array, maxPixels: number): Promise<RgbImage> {
  checkPixelLimit(bytes, maxPixels);
  return await decodeImage(bytes);
}
