/**
 * `deno task predict`: classify image files with a checkpoint from a folder or from NATS,
 * one JSON line per image; or, with `--npy`, print raw logits for an exact input tensor.
 *
 * @module
 */
import { tf } from "../../shared/backend/mod.ts";
import { readNpy } from "../../shared/checkpoint/mod.ts";
import { UsageError } from "../../shared/cli/mod.ts";
import { ImageDecodeError, UnsupportedImageError } from "../../shared/image/mod.ts";
import type { LabelledPrediction, Predictor } from "../../shared/predictor/mod.ts";

/** One line of `predict` output for an image. */
export interface ImagePrediction {
  image: string;
  model: string;
  predictions: LabelledPrediction[];
}

/** Classifies each file with the checkpoint's own preprocessing (short side, centre crop). */
export async function predictImages(predictor: Predictor, paths: string[], topk: number): Promise<ImagePrediction[]> {
  const out: ImagePrediction[] = [];
  for (const path of paths) {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(path);
    } catch {
      throw new UsageError(`cannot read image ${path}`);
    }
    try {
      const { model, predictions } = await predictor.classify(bytes, { topk });
      out.push({ image: path, model: `${model.name}@${model.version}`, predictions });
    } catch (error) {
      if (error instanceof UnsupportedImageError || error instanceof ImageDecodeError) {
        throw new UsageError(`${path}: ${error.message}`);
      }
      throw error;
    }
  }
  return out;
}

/**
 * Raw logits for an exact float32 input: NCHW `[n, 3, H, W]` (torchvision's layout) or NHWC
 * `[n, H, W, 3]`, already normalised; no resizing or cropping.
 */
export async function predictNpy(predictor: Predictor, path: string): Promise<Float32Array[]> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch {
    throw new UsageError(`cannot read ${path}`);
  }
  const { shape, data } = readNpy(bytes);
  const size = predictor.manifest.inputSize;
  const batch = tf.tidy(() => {
    const n = shape[0];
    if (shape.length === 4 && shape[1] === 3 && shape[2] === size && shape[3] === size) {
      return tf.transpose(tf.tensor4d(data, [n, 3, size, size]), [0, 2, 3, 1]) as tf.Tensor4D;
    }
    if (shape.length === 4 && shape[1] === size && shape[2] === size && shape[3] === 3) {
      return tf.tensor4d(data, [n, size, size, 3]);
    }
    throw new UsageError(
      `--npy shape (${shape}) is neither [n, 3, ${size}, ${size}] (NCHW) nor [n, ${size}, ${size}, 3] (NHWC)`,
    );
  });
  try {
    return await predictor.logits(batch);
  } finally {
    batch.dispose();
  }
}
