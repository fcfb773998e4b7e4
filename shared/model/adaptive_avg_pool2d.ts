/**
 * Adaptive average pooling to a fixed grid with PyTorch's bin rule: output cell i covers
 * input rows floor(i·H/out) … ceil((i+1)·H/out) − 1. It lets AlexNet take any input size;
 * at the default sizes pool5 is already 6×6 and this layer is the identity.
 *
 * @module
 */
import * as tf from "../backend/tensorflow.ts";
import { adaptiveBins } from "./feature_steps.ts";

export { adaptiveBins };

/**
 * @example
 * ```ts
 * new AdaptiveAvgPool2D({ outputSize: 6, name: "avgpool" });
 * ```
 */
export class AdaptiveAvgPool2D extends tf.layers.Layer {
  static className = "AdaptiveAvgPool2D";
  readonly outputSize: number;

  constructor(config: { outputSize: number; name?: string }) {
    super({ name: config.name });
    this.outputSize = config.outputSize;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0], this.outputSize, this.outputSize, shape[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const [, height, width] = x.shape;
      if (height === this.outputSize && width === this.outputSize) return tf.clone(x);
      const rows = adaptiveBins(height, this.outputSize);
      const cols = adaptiveBins(width, this.outputSize);
      const grid = rows.map(([r0, r1]) =>
        tf.stack(cols.map(([c0, c1]) => tf.mean(tf.slice(x, [0, r0, c0, 0], [-1, r1 - r0, c1 - c0, -1]), [1, 2])), 1)
      );
      return tf.stack(grid, 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), outputSize: this.outputSize };
  }
}
tf.serialization.registerClass(AdaptiveAvgPool2D);
