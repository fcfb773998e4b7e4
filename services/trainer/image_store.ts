/**
 * The training images in one `SharedArrayBuffer`, so the batch workers read them without a copy
 * each. Every image is the same square (the run's resize size), stored back to back.
 *
 * @module
 */
import type { RgbImage } from "../../shared/image/mod.ts";

/** Shared image bytes: `count` squares of `size`×`size` RGB. */
export interface ImageStore {
  buffer: SharedArrayBuffer;
  size: number;
  count: number;
}

/**
 * Copies `images` (all `size`×`size`) into shared memory; returns null when their sizes differ.
 *
 * @example
 * ```ts
 * const store = storeImages(split.images);
 * ```
 */
export function storeImages(images: RgbImage[]): ImageStore | null {
  const size = images[0]?.width ?? 0;
  if (images.some((image) => image.width !== size || image.height !== size)) return null;
  const buffer = new SharedArrayBuffer(images.length * size * size * 3);
  const bytes = new Uint8Array(buffer);
  images.forEach((image, i) => bytes.set(image.data, i * size * size * 3));
  return { buffer, size, count: images.length };
}

/** Image `i` of the store, a view (no copy). */
export function storedImage(store: ImageStore, i: number): RgbImage {
  const bytes = store.size * store.size * 3;
  return { width: store.size, height: store.size, data: new Uint8Array(store.buffer, i * bytes, bytes) };
}
