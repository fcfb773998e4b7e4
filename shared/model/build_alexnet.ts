/**
 * The two AlexNet variants as tfjs-layers models, each readable on one screen like
 * torchvision's `alexnet.py`, with the paper's numbers written out.
 *
 * - `alexnet`: Krizhevsky, Sutskever & Hinton 2012 — 96-256-384-384-256 channels, LRN after
 *   conv1 and conv2 (§3.3), overlapping 3×3/2 max pooling (§3.4), dropout 0.5 on the two
 *   hidden FC layers (§4.2), N(0, 0.01) weights and biases of 1 in conv2, conv4, conv5, fc6,
 *   fc7 (§5), optional two-tower grouping of conv2, conv4, conv5 (Fig. 2). Input 227×227.
 *   Pooling rounds up like the reference Caffe model (identical at 227, and it keeps inputs
 *   down to 63 px valid).
 * - `alexnet-owt`: torchvision's "one weird trick" layout — 64-192-384-256-256, conv1
 *   padding 2, no LRN, dropout before fc6 and fc7, PyTorch's default initialisation. Input
 *   224×224. Layer kernels map one-to-one onto torchvision's `state_dict` keys
 *   ({@linkcode TORCHVISION_KEYS}).
 *
 * Both end in 6×6 adaptive average pooling, so any input size ≥ 63 works. The model outputs
 * logits; fc6/fc7 are taken after their ReLU, pool5 after the average pool, flattened NHWC.
 *
 * Each ReLU is the activation of its conv/dense layer rather than a layer of its own: tfjs
 * then fuses it into the kernel at inference, and while recording gradients it runs the
 * unfused ops, whose gradients are computed only where needed — so conv1's gradient with
 * respect to the image (a strided transposed convolution, slow on WASM) is never computed.
 *
 * @module
 */
import * as tf from "../backend/tensorflow.ts";
import { AdaptiveAvgPool2D } from "./adaptive_avg_pool2d.ts";
import { GroupedConv2D } from "./grouped_conv2d.ts";
import { LocalResponseNorm } from "./local_response_norm.ts";
import { type Architecture, MIN_INPUT_SIZE } from "../checkpoint/architectures.ts";
import { EMBEDDING_LAYERS, type EmbeddingLayer } from "./embedding_layers.ts";

/** What to build. */
export interface AlexNetSpec {
  arch: Architecture;
  numClasses: number;
  /** Square input edge in pixels; defaults to 227 (`alexnet`) or 224 (`alexnet-owt`). */
  inputSize?: number;
  /** 2 splits conv2, conv4, conv5 into the paper's two towers (`alexnet` only). */
  groups?: 1 | 2;
  /** Seed for the weight initialisers, for reproducible runs. */
  seed?: number;
  /**
   * Weight initialisation: `paper` (§5, N(0, 0.01), biases 1 in conv2/4/5 and fc6/7; the
   * default for `alexnet`), `torch` (PyTorch's default U(±1/√fan_in), what torchvision's
   * alexnet gets), or `lecun` (N(0, 1/fan_in), biases 0; the default for `alexnet-owt`).
   * Measured at lr 0.01 on the generated shapes: `torch` sits at chance loss for the first
   * few hundred steps (its variance 1/(3·fan_in) shrinks the signal through eight layers),
   * He's N(0, 2/fan_in) diverges within three steps (loss 2.3 → 21), `lecun` learns at once.
   */
  init?: InitScheme;
  /**
   * Scales every layer's channels and hidden units (1 = the paper's network). Small widths
   * make fast test fixtures and quick experiments; the layer structure is unchanged.
   */
  width?: number;
}

/** The weight initialisations {@linkcode buildAlexNet} knows. */
export const INIT_SCHEMES = ["paper", "torch", "lecun"] as const;
/** One of {@linkcode INIT_SCHEMES}. */
export type InitScheme = typeof INIT_SCHEMES[number];

/** The default initialisation of an architecture. */
export function defaultInit(arch: Architecture): InitScheme {
  return arch === "alexnet" ? "paper" : "lecun";
}

export { EMBEDDING_LAYERS, type EmbeddingLayer };

/** torchvision `state_dict` prefix of each of our weight layers (`alexnet-owt`). */
export const TORCHVISION_KEYS: Record<string, string> = {
  conv1: "features.0",
  conv2: "features.3",
  conv3: "features.6",
  conv4: "features.8",
  conv5: "features.10",
  fc6: "classifier.1",
  fc7: "classifier.4",
  fc8: "classifier.6",
};

/** The default input edge of an architecture. */
export function defaultInputSize(arch: Architecture): number {
  return arch === "alexnet" ? 227 : 224;
}

/** Thrown for a spec that cannot be built, with what to change. */
export class AlexNetSpecError extends Error {
  override name = "AlexNetSpecError";
}

type Initialisers = {
  /** `relu`: the layer feeds a ReLU (all but the classifier fc8). */
  kernel: (seed: number, relu: boolean) => ReturnType<typeof tf.initializers.zeros>;
  bias: (fanIn: number, one: boolean, seed: number) => ReturnType<typeof tf.initializers.zeros>;
};

// §5: weights from N(0, 0.01); biases 1 in conv2, conv4, conv5 and the hidden FC layers, else 0.
const PAPER_INIT: Initialisers = {
  kernel: (seed) => tf.initializers.randomNormal({ mean: 0, stddev: 0.01, seed }),
  bias: (_fanIn, one) => tf.initializers.constant({ value: one ? 1 : 0 }),
};

// PyTorch's default for Conv2d/Linear: kaiming_uniform(a=√5) ⇒ U(±1/√fan_in), bias the same.
const TORCH_INIT: Initialisers = {
  kernel: (seed) => tf.initializers.varianceScaling({ scale: 1 / 3, mode: "fanIn", distribution: "uniform", seed }),
  bias: (fanIn, _one, seed) =>
    tf.initializers.randomUniform({ minval: -1 / Math.sqrt(fanIn), maxval: 1 / Math.sqrt(fanIn), seed }),
};

// LeCun et al. 1998: N(0, 1/fan_in) (truncated normal, as tfjs draws it), zero biases; the
// linear classifier gets Glorot's uniform init so the first logits stay near zero.
const LECUN_INIT: Initialisers = {
  kernel: (seed, relu) => relu ? tf.initializers.leCunNormal({ seed }) : tf.initializers.glorotUniform({ seed }),
  bias: () => tf.initializers.zeros(),
};

const INITIALISERS: Record<InitScheme, Initialisers> = { paper: PAPER_INIT, torch: TORCH_INIT, lecun: LECUN_INIT };

/** Caffe-style (ceil) pooling needs this much zero padding at the bottom/right. */
function ceilPoolPadding(size: number, window = 3, stride = 2): number {
  const out = Math.ceil((size - window) / stride) + 1;
  return (out - 1) * stride + window - size;
}

/** Options of {@linkcode buildAlexNet}. */
export interface BuildOptions {
  /**
   * Stop after the convolutional part (`pool5_flat`, 9216 values per image at full width): the
   * model an inference network runs before its fully connected layers (`DenseHead`).
   */
  featuresOnly?: boolean;
  /**
   * false: start every weight at zero instead of drawing it — for a loader that sets every
   * weight right after (drawing 2.5 M normals costs time and leaves garbage behind).
   */
  initialise?: boolean;
}

// No random numbers drawn: the weights are about to be replaced.
const ZERO_INIT: Initialisers = { kernel: () => tf.initializers.zeros(), bias: () => tf.initializers.zeros() };

/** Refuses a spec the network cannot be built from; returns its input size and tower count. */
function checkSpec(spec: AlexNetSpec): { inputSize: number; groups: number; width: number } {
  const inputSize = spec.inputSize ?? defaultInputSize(spec.arch);
  const groups = spec.groups ?? 1;
  if (!Number.isInteger(inputSize) || inputSize < MIN_INPUT_SIZE) {
    throw new AlexNetSpecError(`input size must be an integer ≥ ${MIN_INPUT_SIZE}, got ${inputSize}`);
  }
  if (!Number.isInteger(spec.numClasses) || spec.numClasses < 2) {
    throw new AlexNetSpecError(`a classifier needs at least 2 classes, got ${spec.numClasses}`);
  }
  if (groups !== 1 && spec.arch !== "alexnet") {
    throw new AlexNetSpecError(`groups: 2 is the paper's two-tower layout; use it with --arch alexnet`);
  }
  const width = spec.width ?? 1;
  if (!(width > 0 && width <= 4)) throw new AlexNetSpecError(`width must be in (0, 4], got ${width}`);
  return { inputSize, groups, width };
}

/**
 * Makes the network's layers, each initialised with the next seed (the order of calls fixes the
 * seeds, so a spec and seed always give the same weights), and stacks them onto the graph.
 */
class LayerStack {
  x: tf.SymbolicTensor;
  readonly #init: Initialisers;
  readonly #groups: number;
  #seed: number;
  /** Channel and unit counts are the paper's; `w` applies the width multiplier. */
  readonly w: (n: number) => number;

  constructor(input: tf.SymbolicTensor, init: Initialisers, groups: number, width: number, seed: number) {
    this.x = input;
    this.#init = init;
    this.#groups = groups;
    this.#seed = seed;
    this.w = (n: number) => Math.max(1, Math.round(n * width));
  }

  #nextSeed(): number {
    return this.#seed++;
  }

  apply(layer: tf.layers.Layer): void {
    this.x = layer.apply(this.x) as tf.SymbolicTensor;
  }

  conv(name: string, filters: number, kernelSize: number, strides: number, inChannels: number, biasOne: boolean) {
    this.apply(tf.layers.conv2d({
      name,
      filters,
      kernelSize,
      strides,
      activation: "relu",
      padding: kernelSize === 11 ? "valid" : "same",
      kernelInitializer: this.#init.kernel(this.#nextSeed(), true),
      biasInitializer: this.#init.bias(inChannels * kernelSize * kernelSize, biasOne, this.#nextSeed()),
    }));
  }

  dense(name: string, units: number, inUnits: number, biasOne: boolean, relu = true) {
    this.apply(tf.layers.dense({
      name,
      units,
      activation: relu ? "relu" : "linear",
      kernelInitializer: this.#init.kernel(this.#nextSeed(), relu),
      biasInitializer: this.#init.bias(inUnits, biasOne, this.#nextSeed()),
    }));
  }

  /** conv2/4/5 in the paper's two-tower layout (§3.2): each tower sees half the channels. */
  towerConv(name: string, filters: number, kernelSize: number, inChannels: number) {
    if (this.#groups === 1) return this.conv(name, filters, kernelSize, 1, inChannels, true);
    const groups = this.#groups;
    this.apply(
      new GroupedConv2D({
        name,
        filters,
        kernelSize,
        groups,
        kernelStddev: 0.01,
        biasValue: 1,
        seed: this.#nextSeed(),
      }),
    );
  }

  maxPool(name: string) {
    this.apply(tf.layers.maxPooling2d({ name, poolSize: 3, strides: 2, padding: "valid" }));
  }

  /** Caffe rounds pooling up; after ReLU (≥ 0) zero padding leaves every window's max unchanged. */
  ceilPool(name: string) {
    const pad = ceilPoolPadding(this.x.shape[1] as number);
    if (pad > 0) this.apply(tf.layers.zeroPadding2d({ name: `${name}_ceil_pad`, padding: [[0, pad], [0, pad]] }));
    this.maxPool(name);
  }

  dropout(name: string) {
    this.apply(tf.layers.dropout({ name, rate: 0.5 }));
  }
}

/** The paper's convolutions: LRN after conv1 and conv2, two towers, overlapping pooling rounded up. */
function paperFeatures(s: LayerStack): void {
  const { w } = s;
  s.conv("conv1", w(96), 11, 4, 3, false); // 227 → 55
  s.apply(new LocalResponseNorm({ name: "lrn1" }));
  s.ceilPool("pool1"); // 55 → 27
  s.towerConv("conv2", w(256), 5, w(96));
  s.apply(new LocalResponseNorm({ name: "lrn2" }));
  s.ceilPool("pool2"); // 27 → 13
  s.conv("conv3", w(384), 3, 1, w(256), false);
  s.towerConv("conv4", w(384), 3, w(384));
  s.towerConv("conv5", w(256), 3, w(384));
  s.ceilPool("pool5"); // 13 → 6
}

/** torchvision's "one weird trick" convolutions (no LRN, one tower). */
function owtFeatures(s: LayerStack): void {
  const { w } = s;
  s.apply(tf.layers.zeroPadding2d({ name: "conv1_pad", padding: 2 }));
  s.conv("conv1", w(64), 11, 4, 3, false); // 224 → 55
  s.maxPool("pool1"); // 55 → 27
  s.conv("conv2", w(192), 5, 1, w(64), false);
  s.maxPool("pool2"); // 27 → 13
  s.conv("conv3", w(384), 3, 1, w(192), false);
  s.conv("conv4", w(256), 3, 1, w(384), false);
  s.conv("conv5", w(256), 3, 1, w(256), false);
  s.maxPool("pool5"); // 13 → 6
}

/** fc6–fc8 with dropout: after fc6 and fc7 in the paper, before them in torchvision's. */
function classifier(s: LayerStack, arch: AlexNetSpec["arch"], numClasses: number): void {
  const { w } = s;
  if (arch === "alexnet") {
    s.dense("fc6", w(4096), w(256) * 36, true);
    s.dropout("dropout6");
    s.dense("fc7", w(4096), w(4096), true);
    s.dropout("dropout7");
  } else {
    s.dropout("dropout6");
    s.dense("fc6", w(4096), w(256) * 36, false);
    s.dropout("dropout7");
    s.dense("fc7", w(4096), w(4096), false);
  }
  s.dense("fc8", numClasses, w(4096), false, false);
}

/**
 * Builds the network as a tfjs-layers functional model named after the architecture (or
 * `ARCH_features` for the convolutional part alone).
 *
 * @example
 * ```ts
 * const net = buildAlexNet({ arch: "alexnet-owt", numClasses: 1000 });
 * net.countParams(); // 61_100_840
 * ```
 */
export function buildAlexNet(spec: AlexNetSpec, options: BuildOptions = {}): tf.LayersModel {
  const { inputSize, groups, width } = checkSpec(spec);
  const init = options.initialise === false ? ZERO_INIT : INITIALISERS[spec.init ?? defaultInit(spec.arch)];
  const input = tf.input({ shape: [inputSize, inputSize, 3], name: "image" });
  const stack = new LayerStack(input, init, groups, width, spec.seed ?? 0);
  if (spec.arch === "alexnet") paperFeatures(stack);
  else owtFeatures(stack);
  stack.apply(new AdaptiveAvgPool2D({ name: "avgpool", outputSize: 6 }));
  stack.apply(tf.layers.flatten({ name: "pool5_flat" }));
  if (options.featuresOnly) return tf.model({ inputs: input, outputs: stack.x, name: `${spec.arch}_features` });
  classifier(stack, spec.arch, spec.numClasses);
  return tf.model({ inputs: input, outputs: stack.x, name: spec.arch });
}
