/**
 * Rescales so the shorter side has a given length, keeping the aspect ratio (§2 of the
 * paper: "rescaled the image such that the shorter side was of length 256"). Bilinear,
 * through imagescript's framebuffer.
 *
 * @module
 */
import framebufferModule from "imagescript/v2/framebuffer.mjs";
import { releaseBuffers } from "./release_buffer.ts";
import type { RgbImage } from "./rgb_image.ts";

// The .mjs default export is the framebuffer class; its .d.ts is typed as the module namespace.
const Framebuffer = framebufferModule as unknown as typeof framebufferModule.default;

/** Resizes to exactly `width` × `height` (bilinear). */
export function resizeImage(image: RgbImage, width: number, height: number): RgbImage {
  if (image.width === width && image.height === height) return image;
  const rgba = new Uint8Array(image.width * image.height * 4);
  for (let p = 0, q = 0; q < image.data.length; p += 4, q += 3) {
    rgba[p] = image.data[q];
    rgba[p + 1] = image.data[q + 1];
    rgba[p + 2] = image.data[q + 2];
    rgba[p + 3] = 255;
  }
  const frame = new Framebuffer(image.width, image.height, rgba).resize("linear", width, height);
  const out = new Uint8Array(width * height * 3);
  const src: Uint8Array = frame.u8;
  for (let p = 0, q = 0; q < out.length; p += 4, q += 3) {
    out[q] = src[p];
    out[q + 1] = src[p + 1];
    out[q + 2] = src[p + 2];
  }
  releaseBuffers(rgba, src);
  return { width, height, data: out };
}

/**
 * @example
 * ```ts
 * const scaled = resizeShortSide(image, 256); // 500×375 → 341×256
 * ```
 */
export function resizeShortSide(image: RgbImage, shortSide: number): RgbImage {
  const scale = shortSide / Math.min(image.width, image.height);
  const width = image.width <= image.height ? shortSide : Math.round(image.width * scale);
  const height = image.height <= image.width ? shortSide : Math.round(image.height * scale);
  return resizeImage(image, width, height);
}
