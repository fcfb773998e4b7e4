/**
 * The paper's update rule (§5): v ← 0.9·v − 0.0005·ε·w − ε·∂L/∂w, then w ← w + v, with the
 * weight decay applied to kernels (not biases, as in the reference Caffe model). Velocities
 * live in tf variables beside the weights, created on first use.
 *
 * On the native rung (WASM with oneDNN's kernels) the update runs in place: one pass over each
 * weight, its velocity and its gradient in the WASM heap, instead of six tensor ops that each
 * allocate a tensor the size of the weight (fc6's: 151 MB). Elsewhere — plain WASM, whose XNNPACK
 * convolutions and products keep packed copies of their weights keyed by the tensor, which an
 * update in place would leave stale; other backends; a weight sharing its memory with another
 * tensor — it runs as tensor ops.
 *
 * @module
 */
import "../backend/training_ops.ts"; // gradients
import * as tf from "../backend/tensorflow.ts";
import { wasmHeapViews } from "../backend/wasm_heap.ts";
import { activeTfjsBackend } from "../backend/active_tfjs_backend.ts";

/** Settings of {@linkcode SgdMomentum}. */
export interface SgdMomentumOptions {
  learningRate: number;
  momentum: number;
  weightDecay: number;
  /** false: tensor ops even where the update could run in place (to compare the two). Default true. */
  inPlace?: boolean;
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
  readonly #inPlace: boolean;
  #velocity = new Map<string, tf.Variable>();

  constructor(options: SgdMomentumOptions) {
    this.learningRate = options.learningRate;
    this.momentum = options.momentum;
    this.weightDecay = options.weightDecay;
    this.#inPlace = options.inPlace ?? true;
  }

  /** Applies one step for every variable in `grads` (which it disposes). */
  apply(grads: tf.NamedTensorMap): void {
    const variables = tf.engine().registeredVariables;
    for (const [name, grad] of Object.entries(grads)) {
      const weight = variables[name];
      let velocity = this.#velocity.get(name);
      if (!velocity) {
        // In a tidy, so the zeros are freed and the velocity alone holds its memory.
        velocity = tf.tidy(() => tf.variable(tf.zerosLike(weight), false, `${name}/velocity`));
        this.#velocity.set(name, velocity);
      }
      const decay = weight.rank > 1 ? this.weightDecay : 0;
      const v = velocity;
      const views = this.#inPlace && activeTfjsBackend() === "native" ? wasmHeapViews([weight, v], [grad]) : null;
      if (views) {
        const [w, vel, g] = views;
        const { learningRate: lr, momentum } = this;
        for (let i = 0; i < w.length; i++) {
          const next = momentum * vel[i] - lr * g[i] - decay * lr * w[i];
          vel[i] = next;
          w[i] += next;
        }
        grad.dispose();
        continue;
      }
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
