/**
 * One SGD step on a batch: forward with dropout, softmax cross-entropy, gradients of every
 * trainable variable, the paper's momentum update. Shared by the training loop and the
 * benchmark, so both measure the same work.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { AlexNet } from "./alexnet.ts";
import type { SgdMomentum } from "./sgd_momentum.ts";

/** The step's loss and predicted class per image. */
export interface StepResult {
  loss: number;
  predicted: Int32Array;
}

/**
 * @example
 * ```ts
 * const { loss } = await trainStep(model, sgd, x, tf.oneHot(labels, 4));
 * ```
 */
export async function trainStep(
  model: AlexNet,
  sgd: SgdMomentum,
  x: tf.Tensor4D,
  y: tf.Tensor,
  options: { dropout?: boolean } = {},
): Promise<StepResult> {
  let predicted: tf.Tensor | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const logits = model.logitsTensor(x, options.dropout ?? true);
    predicted = tf.keep(tf.argMax(logits, 1));
    return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
  });
  sgd.apply(grads);
  const loss = (await value.data())[0];
  const classes = (await predicted!.data()) as Int32Array;
  tf.dispose([value, predicted!]);
  return { loss, predicted: classes };
}
