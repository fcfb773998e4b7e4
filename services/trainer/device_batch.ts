/**
 * A training batch goes to the device as 8-bit pixels (packed one RGB pixel per int32: TF.js
 * has no uint8 tensors) and is unpacked, colour-shifted and normalised there — a quarter of
 * the bytes of float32 input cross to the GPU, and the host does no per-pixel arithmetic.
 *
 * @module
 */
import { tf } from "../../shared/backend/mod.ts";
import { IMAGENET_NORMALIZATION, type Normalization } from "../../shared/image/mod.ts";
import type { PackedBatch } from "./augment_batch.ts";

/**
 * `((pixel / 255 + shift) − mean) / std` per channel, as `[n, size, size, 3]` float32 on the
 * active backend; the caller owns the tensor.
 *
 * @example
 * ```ts
 * const x = normalizePackedBatch(batch, 224);
 * ```
 */
export function normalizePackedBatch(
  batch: PackedBatch,
  size: number,
  { mean, std }: Normalization = IMAGENET_NORMALIZATION,
): tf.Tensor4D {
  const n = batch.shifts.length / 3;
  // Per image and channel: x · scale + bias, as normalizeBatch computes it on the host.
  const bias = Float32Array.from(batch.shifts, (shift, i) => (shift - mean[i % 3]) / std[i % 3]);
  return tf.tidy(() => {
    const packed = tf.tensor3d(batch.pixels, [n, size, size], "int32");
    const [byte, twoBytes] = [tf.scalar(256, "int32"), tf.scalar(65536, "int32")];
    const channels = [tf.mod(packed, byte), tf.mod(tf.floorDiv(packed, byte), byte), tf.floorDiv(packed, twoBytes)];
    const rgb = tf.cast(tf.stack(channels, 3), "float32");
    const scale = tf.tensor1d(std.map((s) => 1 / (255 * s)));
    return tf.add(tf.mul(rgb, scale), tf.tensor4d(bias, [n, 1, 1, 3])) as tf.Tensor4D;
  });
}
