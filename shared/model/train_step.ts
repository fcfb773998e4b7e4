/**
 * One SGD step on a batch: forward with dropout, softmax cross-entropy, gradients of every
 * trainable variable, the paper's momentum update. Shared by the training loop and the
 * benchmark, so both measure the same work. {@linkcode startTrainStep} queues the step and
 * hands back its loss and predictions as promises, so a loop can queue the next step before
 * they are read (on a GPU a read waits for the device; the update itself never does).
 *
 * @module
 */
import "../backend/training_ops.ts"; // gradients
import * as tf from "../backend/tensorflow.ts";
import type { AlexNet } from "./alexnet.ts";
import type { SgdMomentum } from "./sgd_momentum.ts";

/** The step's loss and predicted class per image. */
export interface StepResult {
  loss: number;
  predicted: Int32Array;
}

/** How a step runs: with dropout (default) and, for a reproducible run, the seed of its dropout masks. */
export interface StepOptions {
  dropout?: boolean;
  /** Seeds this step's dropout masks; absent, they come from `Math.random`. */
  dropoutSeed?: number;
}

/**
 * Queues the step (the update is applied to the variables when this returns); its result
 * arrives when the device has computed it.
 *
 * @example
 * ```ts
 * const pending = startTrainStep(model, sgd, x, y);
 * // … queue the next batch …
 * const { loss } = await pending;
 * ```
 */
export function startTrainStep(
  model: AlexNet,
  sgd: SgdMomentum,
  x: tf.Tensor4D,
  y: tf.Tensor,
  options: StepOptions = {},
): Promise<StepResult> {
  let predicted: tf.Tensor | null = null;
  model.setDropoutSeed(options.dropoutSeed);
  const { value, grads } = tf.variableGrads(() => {
    const logits = model.logitsTensor(x, options.dropout ?? true);
    predicted = tf.keep(tf.argMax(logits, 1));
    return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
  });
  sgd.apply(grads);
  const classes = predicted!;
  return Promise.all([value.data(), classes.data()]).then(([loss, labels]) => ({
    loss: loss[0],
    predicted: labels as Int32Array,
  })).finally(() => tf.dispose([value, classes]));
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
  options: StepOptions = {},
): Promise<StepResult> {
  return await startTrainStep(model, sgd, x, y, options);
}
