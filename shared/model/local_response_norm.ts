/**
 * Local response normalisation across channels (Krizhevsky et al. 2012, §3.3):
 * b[i] = a[i] / (k + α · Σ_{j=i−n/2}^{i+n/2} a[j]²)^β, with k=2, n=5, α=1e-4, β=0.75.
 * The paper's α multiplies the plain sum (PyTorch's `LocalResponseNorm` divides α by n;
 * TensorFlow's `localResponseNormalization` does not, so it matches the paper directly).
 *
 * @module
 */
import * as tf from "../backend/tensorflow.ts";
import { LRN_DEFAULTS } from "./feature_steps.ts";

/** Settings of {@linkcode LocalResponseNorm}; the defaults are the paper's. */
export interface LocalResponseNormConfig {
  name?: string;
  /** n: how many adjacent channels are summed (odd). */
  size?: number;
  k?: number;
  alpha?: number;
  beta?: number;
}

/**
 * A tfjs-layers layer applying the paper's LRN; serialisable in `model.json`.
 *
 * @example
 * ```ts
 * const lrn = new LocalResponseNorm({ name: "lrn1" });
 * ```
 */
export class LocalResponseNorm extends tf.layers.Layer {
  static className = "LocalResponseNorm";
  readonly size: number;
  readonly k: number;
  readonly alpha: number;
  readonly beta: number;

  constructor(config: LocalResponseNormConfig = {}) {
    super({ name: config.name });
    this.size = config.size ?? LRN_DEFAULTS.size;
    this.k = config.k ?? LRN_DEFAULTS.k;
    this.alpha = config.alpha ?? LRN_DEFAULTS.alpha;
    this.beta = config.beta ?? LRN_DEFAULTS.beta;
    if (this.size % 2 !== 1) throw new Error(`LRN size must be odd, got ${this.size}`);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.localResponseNormalization(x as tf.Tensor4D, (this.size - 1) / 2, this.k, this.alpha, this.beta);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), size: this.size, k: this.k, alpha: this.alpha, beta: this.beta };
  }
}
tf.serialization.registerClass(LocalResponseNorm);
