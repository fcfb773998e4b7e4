/**
 * The paper's update rule (§5): v ← 0.9·v − 0.0005·ε·w − ε·∂L/∂w, then w ← w + v, with the
 * weight decay applied to kernels (not biases, as in the reference Caffe model). Velocities
 * live in tf variables beside the weights, created on first use.
 *
 * @module
 */
import "../backend/training_ops.ts"; // gradients
import * as tf from "../backend/tensorflow.ts";

/** Settings of {@linkcode SgdMomentum}. */
export interface SgdMomentumOptions {
  learningRate: number;
  momentum: number;
  weightDecay: number;
}

/**
 * @example
 * ```ts
 * const sgd = new SgdMomentum({ learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4 });
 * const { value, grads } = tf.variableGrads(lossFn);
 * sgd.apply(grads);
 * ```
 */
export class SgdMomentum {
  learningRate: number;
  readonly momentum: number;
  readonly weightDecay: number;
  #velocity = new Map<string, tf.Variable>();

  constructor(options: SgdMomentumOptions) {
    this.learningRate = options.learningRate;
    this.momentum = options.momentum;
    this.weightDecay = options.weightDecay;
  }

  /** Applies one step for every variable in `grads` (which it disposes). */
  apply(grads: tf.NamedTensorMap): void {
    const variables = tf.engine().registeredVariables;
    for (const [name, grad] of Object.entries(grads)) {
      const weight = variables[name];
      let velocity = this.#velocity.get(name);
      if (!velocity) {
        velocity = tf.variable(tf.zerosLike(weight), false, `${name}/velocity`);
        this.#velocity.set(name, velocity);
      }
      const decay = weight.rank > 1 ? this.weightDecay : 0;
      const v = velocity;
      tf.tidy(() => {
        let step = tf.mul(grad, -this.learningRate);
        if (decay > 0) step = tf.sub(step, tf.mul(weight, decay * this.learningRate));
        const next = tf.add(tf.mul(v, this.momentum), step);
        v.assign(next);
        weight.assign(tf.add(weight, next));
      });
      grad.dispose();
    }
  }

  /** Frees the velocities. */
  dispose(): void {
    for (const v of this.#velocity.values()) v.dispose();
    this.#velocity.clear();
  }
}
