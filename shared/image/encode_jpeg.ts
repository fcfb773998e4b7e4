/**
 * RGB pixels → a baseline JPEG file, by jpeg-js (plain JavaScript, the same library that
 * decodes): thumbnails and test images, with no native addon loaded.
 *
 * @module
 */
import jpeg from "jpeg-js";
import type { RgbImage } from "./rgb_image.ts";

/**
 * @example
 * ```ts
 * await Deno.writeFile("thumb.jpg", encodeJpeg(image, 80));
 * ```
 */
export function encodeJpeg(image: RgbImage, quality = 85): Uint8Array {
  const { width, height, data } = image;
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0, q = 0; p < data.length; p += 3, q += 4) {
    rgba[q] = data[p];
    rgba[q + 1] = data[p + 1];
    rgba[q + 2] = data[p + 2];
    rgba[q + 3] = 255;
  }
  const encoded = jpeg.encode({ data: rgba, width, height }, quality).data;
  return new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength);
}
