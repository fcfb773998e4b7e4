/**
 * Decodes a list of files once, scaled so the short side is `resizeSize` and centre-cropped
 * square (§2: "rescaled … then cropped out the central 256×256 patch"), with a progress
 * bar. Unreadable files are skipped and reported, never fatal.
 *
 * @module
 */
import { centerCrop } from "./crop_image.ts";
import { decodeImage } from "./decode_image.ts";
import { resizeShortSide } from "./resize_short_side.ts";
import type { RgbImage } from "./rgb_image.ts";
import { ProgressBar } from "../cli/progress_bar.ts";
import type { LabelledFile } from "./image_folder.ts";

/** Decoded images with their labels, and what was skipped. */
export interface LoadedImages {
  images: RgbImage[];
  labels: number[];
  paths: string[];
  skipped: { path: string; reason: string }[];
}

/** Reads, decodes, rescales and centre-crops every file. */
export async function loadImages(files: LabelledFile[], resizeSize: number, quiet = false): Promise<LoadedImages> {
  const out: LoadedImages = { images: [], labels: [], paths: [], skipped: [] };
  const bar = quiet ? null : new ProgressBar("decode", files.length, { unit: "images" });
  for (const file of files) {
    try {
      const image = await decodeImage(await Deno.readFile(file.path));
      out.images.push(centerCrop(resizeShortSide(image, resizeSize), resizeSize));
      out.labels.push(file.label);
      out.paths.push(file.path);
    } catch (error) {
      out.skipped.push({ path: file.path, reason: (error as Error).message });
    }
    bar?.tick();
  }
  bar?.done();
  return out;
}
