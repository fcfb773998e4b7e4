/**
 * PNG encoding of an {@linkcode RgbImage} (fast-png, 8-bit RGB).
 *
 * @module
 */
import { encode } from "fast-png";
import type { RgbImage } from "./rgb_image.ts";

/**
 * @example
 * ```ts
 * await Deno.writeFile("grid.png", encodeRgbPng(kernelGrid(weights, shape, 8)));
 * ```
 */
export function encodeRgbPng(image: RgbImage): Uint8Array {
  return encode({ width: image.width, height: image.height, data: image.data, channels: 3, depth: 8 });
}
