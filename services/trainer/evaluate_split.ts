/**
 * Validation: loss, top-1 and top-5 of a model on the centre crops of a split, in batches.
 * Reads are awaited (the synchronous ones fail on WebGPU in Deno).
 *
 * @module
 */
import { tf } from "../../shared/backend/mod.ts";
import { centerCrop, IMAGENET_NORMALIZATION, normalizeBatch } from "../../shared/image/mod.ts";
import type { AlexNet } from "../../shared/model/mod.ts";
import type { Split } from "./training_data.ts";

/**
 * @example
 * ```ts
 * const { loss, top1 } = await evaluateSplit(model, data.val, 32);
 * ```
 */
export async function evaluateSplit(
  model: AlexNet,
  split: Split,
  batchSize: number,
  normalization = IMAGENET_NORMALIZATION,
): Promise<{ loss: number; top1: number; top5: number }> {
  const size = model.inputSize;
  let lossSum = 0, top1 = 0, top5 = 0;
  const k = Math.min(5, model.spec.numClasses);
  for (let start = 0; start < split.images.length; start += batchSize) {
    const images = split.images.slice(start, start + batchSize).map((im) => centerCrop(im, size));
    const labels = split.labels.slice(start, start + batchSize);
    const sums = tf.tidy(() => {
      const x = tf.tensor4d(normalizeBatch(images, normalization), [images.length, size, size, 3]);
      const logits = model.logitsTensor(x, false);
      const y = tf.oneHot(tf.tensor1d(labels, "int32"), model.spec.numClasses);
      const loss = tf.losses.softmaxCrossEntropy(y, logits, undefined, undefined, tf.Reduction.SUM);
      const match = tf.cast(
        tf.equal(tf.topk(logits, k).indices, tf.expandDims(tf.tensor1d(labels, "int32"), 1)),
        "float32",
      );
      return tf.stack([loss, tf.sum(tf.slice(match, [0, 0], [-1, 1])), tf.sum(match)]);
    });
    const [loss, hits1, hits5] = await sums.data();
    sums.dispose();
    lossSum += loss;
    top1 += hits1;
    top5 += hits5;
  }
  const n = split.images.length;
  return { loss: lossSum / n, top1: top1 / n, top5: top5 / n };
}
