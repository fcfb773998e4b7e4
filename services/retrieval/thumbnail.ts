/**
 * The thumbnail the catalogue stores beside each original: the image scaled so its longer side is
 * at most `size` pixels (never enlarged), as JPEG quality 80.
 *
 * @module
 */
import { encodeJpeg, resizeImage, type RgbImage } from "../../shared/image/mod.ts";

/**
 * @example
 * ```ts
 * await store.putImage(sha256, bytes, thumbnailJpeg(image, 128));
 * ```
 */
export function thumbnailJpeg(image: RgbImage, size: number): Uint8Array {
  const scale = Math.min(1, size / Math.max(image.width, image.height));
  const small = resizeImage(
    image,
    Math.max(1, Math.round(image.width * scale)),
    Math.max(1, Math.round(image.height * scale)),
  );
  return encodeJpeg(small, 80);
}
