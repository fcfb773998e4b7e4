/**
 * Compares our forward pass with PyTorch's on the same weights and input: the relative error
 * max |Δ| / max |ref| of the logits and of fc7 (after ReLU). Used by the parity tests on the
 * committed fixtures and by `deno task verify:torch` at full size.
 *
 * @module
 */
import * as tf from "../backend/tensorflow.ts";
import type { AlexNet } from "../model/alexnet.ts";
import type { NpyArray } from "../checkpoint/read_npy.ts";

/** Relative errors of one comparison. */
export interface TorchParity {
  logits: number;
  fc7: number;
}

/** max |a − b| / max |b|. */
export function relativeError(actual: ArrayLike<number>, reference: ArrayLike<number>): number {
  if (actual.length !== reference.length) {
    throw new Error(`compared arrays differ in length: ${actual.length} vs ${reference.length}`);
  }
  let diff = 0, scale = 0;
  for (let i = 0; i < reference.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - reference[i]));
    scale = Math.max(scale, Math.abs(reference[i]));
  }
  return diff / scale;
}

/**
 * @example
 * ```ts
 * const { logits, fc7 } = await torchParity(model, readNpy(input), readNpy(refLogits), readNpy(refFc7));
 * ```
 */
export async function torchParity(
  model: AlexNet,
  inputNchw: NpyArray,
  referenceLogits: NpyArray,
  referenceFc7: NpyArray,
): Promise<TorchParity> {
  const batch = tf.tidy(() =>
    tf.transpose(tf.tensor4d(inputNchw.data, inputNchw.shape as [number, number, number, number]), [0, 2, 3, 1])
  );
  try {
    const logits = (await model.logits(batch)).flatMap((row) => [...row]);
    const fc7 = (await model.embed(batch, "fc7")).flatMap((row) => [...row]);
    return { logits: relativeError(logits, referenceLogits.data), fc7: relativeError(fc7, referenceFc7.data) };
  } finally {
    batch.dispose();
  }
}
