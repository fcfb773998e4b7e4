/**
 * The in-memory picture every image function works on: 8-bit RGB, row-major, no alpha.
 *
 * @module
 */

/** Width × height pixels, `data` holding R, G, B per pixel. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Allocates a black image. */
export function blankImage(width: number, height: number): RgbImage {
  return { width, height, data: new Uint8Array(width * height * 3) };
}
