/**
 * A convolution split into groups (the paper's two GPU towers, Fig. 2): each group of output
 * channels sees only its own share of the input channels. Kernel layout [kh, kw, cin/groups,
 * cout], like PyTorch's `groups=` (OIHW with I = cin/groups) after transposing to HWIO.
 *
 * @module
 */
import * as tf from "../backend/tensorflow.ts";

/** Settings of {@linkcode GroupedConv2D}. */
export interface GroupedConv2DConfig {
  name?: string;
  filters: number;
  kernelSize: number;
  groups: number;
  /** Standard deviation of the N(0, σ) kernel initialiser (§5: 0.01). */
  kernelStddev: number;
  /** Constant bias initialiser (§5: 1 in conv2, conv4, conv5). */
  biasValue: number;
  seed?: number;
}

/**
 * Stride-1 'same' grouped convolution with bias and ReLU, as used by conv2/conv4/conv5.
 *
 * @example
 * ```ts
 * new GroupedConv2D({ filters: 256, kernelSize: 5, groups: 2, kernelStddev: 0.01, biasValue: 1 });
 * ```
 */
export class GroupedConv2D extends tf.layers.Layer {
  static className = "GroupedConv2D";
  readonly settings: GroupedConv2DConfig;
  private kernel!: tf.LayerVariable;
  private bias!: tf.LayerVariable;

  constructor(config: GroupedConv2DConfig) {
    super({ name: config.name });
    this.settings = { ...config };
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inChannels = shape[3] as number;
    const { filters, kernelSize, groups, kernelStddev, biasValue, seed } = this.settings;
    if (inChannels % groups !== 0 || filters % groups !== 0) {
      throw new Error(`${this.name}: channels ${inChannels}→${filters} do not split into ${groups} groups`);
    }
    this.kernel = this.addWeight(
      "kernel",
      [kernelSize, kernelSize, inChannels / groups, filters],
      "float32",
      tf.initializers.randomNormal({ mean: 0, stddev: kernelStddev, seed }),
    );
    this.bias = this.addWeight("bias", [filters], "float32", tf.initializers.constant({ value: biasValue }));
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0], shape[1], shape[2], this.settings.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const groups = this.settings.groups;
      const xs = tf.split(x, groups, 3) as tf.Tensor4D[];
      const ws = tf.split(this.kernel.read(), groups, 3) as tf.Tensor4D[];
      const ys = xs.map((xi, i) => tf.conv2d(xi, ws[i], 1, "same"));
      return tf.relu(tf.add(tf.concat(ys, 3), this.bias.read()));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { filters, kernelSize, groups, kernelStddev, biasValue } = this.settings;
    return { ...super.getConfig(), filters, kernelSize, groups, kernelStddev, biasValue };
  }
}
tf.serialization.registerClass(GroupedConv2D);
