/**
 * `deno task predict`: classify image files with a checkpoint from a folder or from NATS,
 * one JSON line per image; or, with `--npy`, print raw logits for an exact input tensor.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { LoadedCheckpoint } from "../../shared/checkpoint/checkpoint_files.ts";
import { readNpy } from "../../shared/checkpoint/read_npy.ts";
import { UsageError } from "../../shared/cli/usage_error.ts";
import { decodeImage } from "../../shared/image/decode_image.ts";
import { normalizeBatch } from "../../shared/image/normalize_batch.ts";
import { centerCropForModel } from "../../shared/image/model_input.ts";

/** One line of `predict` output for an image. */
export interface ImagePrediction {
  image: string;
  model: string;
  predictions: { index: number; label: string; probability: number }[];
}

/** Classifies each file with the checkpoint's own preprocessing (short side, centre crop). */
export async function predictImages(
  checkpoint: LoadedCheckpoint,
  paths: string[],
  topk: number,
): Promise<ImagePrediction[]> {
  const { manifest, model } = checkpoint;
  const out: ImagePrediction[] = [];
  for (const path of paths) {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(path);
    } catch {
      throw new UsageError(`cannot read image ${path}`);
    }
    let image;
    try {
      image = centerCropForModel(await decodeImage(bytes), manifest);
    } catch (error) {
      throw new UsageError(`${path}: ${(error as Error).message}`);
    }
    const size = manifest.inputSize;
    const batch = tf.tensor4d(normalizeBatch([image], manifest.normalization), [1, size, size, 3]);
    const [top] = await model.classify(batch, topk);
    batch.dispose();
    out.push({
      image: path,
      model: `${manifest.name}@${manifest.version}`,
      predictions: top.map((p) => ({ ...p, label: manifest.classNames[p.index] })),
    });
  }
  return out;
}

/**
 * Raw logits for an exact float32 input: NCHW `[n, 3, H, W]` (torchvision's layout) or NHWC
 * `[n, H, W, 3]`, already normalised; no resizing or cropping.
 */
export async function predictNpy(checkpoint: LoadedCheckpoint, path: string): Promise<Float32Array[]> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch {
    throw new UsageError(`cannot read ${path}`);
  }
  const { shape, data } = readNpy(bytes);
  const size = checkpoint.manifest.inputSize;
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
    return await checkpoint.model.logits(batch);
  } finally {
    batch.dispose();
  }
}
