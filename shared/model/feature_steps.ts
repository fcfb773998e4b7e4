/**
 * AlexNet's convolutional part (conv1 … pool5) as plain data — each convolution's kernel,
 * stride, padding, channels and towers, each LRN's constants, each pooling's rounding — for
 * code that runs the layers itself instead of through TF.js (the convolutions of
 * {@linkcode SimdFeatures}). It follows `build_alexnet.ts`; the tests compare the two outputs.
 *
 * @module
 */
import type { Architecture } from "../checkpoint/architectures.ts";

/** The paper's LRN constants (§3.3): n = 5 channels, k = 2, α = 1e-4 (on the plain sum), β = 0.75. */
export const LRN_DEFAULTS = { size: 5, k: 2, alpha: 1e-4, beta: 0.75 } as const;

/** A convolution followed by ReLU; `pad` zeros on every side. */
export interface ConvStep {
  kind: "conv";
  name: string;
  kernel: number;
  stride: number;
  pad: number;
  ins: number;
  outs: number;
  /** 2: the paper's two towers (each group of outputs sees its share of the inputs). */
  groups: number;
}

/** Local response normalisation across channels, TensorFlow's form (α times the plain sum). */
export interface LrnStep {
  kind: "lrn";
  radius: number;
  k: number;
  alpha: number;
  beta: number;
}

/** 3×3 max pooling with stride 2; `ceil`: Caffe's rounding up (windows clipped at the edge). */
export interface PoolStep {
  kind: "pool";
  window: number;
  stride: number;
  ceil: boolean;
}

/** One step of the convolutional part. */
export type FeatureStep = ConvStep | LrnStep | PoolStep;

/** The shape that decides the steps. */
export interface FeatureShape {
  arch: Architecture;
  groups: number;
  width: number;
}

/** Edge of a square map after a convolution. */
export const convOutput = (size: number, s: ConvStep) => Math.floor((size + 2 * s.pad - s.kernel) / s.stride) + 1;

/** Edge of a square map after a pooling. */
export const poolOutput = (size: number, s: PoolStep) =>
  (s.ceil ? Math.ceil((size - s.window) / s.stride) : Math.floor((size - s.window) / s.stride)) + 1;

/** The [start, end) input ranges of each output cell, PyTorch's `adaptive_avg_pool2d` rule. */
export function adaptiveBins(inputSize: number, outputSize: number): [number, number][] {
  return Array.from({ length: outputSize }, (_, i) => [
    Math.floor((i * inputSize) / outputSize),
    Math.ceil(((i + 1) * inputSize) / outputSize),
  ]);
}

/** The edge of `pool5` (before the adaptive average pooling to 6×6). */
export function pool5Size(steps: FeatureStep[], inputSize: number): number {
  let size = inputSize;
  for (const step of steps) {
    if (step.kind === "conv") size = convOutput(size, step);
    else if (step.kind === "pool") size = poolOutput(size, step);
  }
  return size;
}

/**
 * @example
 * ```ts
 * const steps = featureSteps({ arch: "alexnet-owt", groups: 1, width: 1 });
 * steps.filter((s) => s.kind === "conv").map((s) => s.name); // conv1 … conv5
 * ```
 */
export function featureSteps({ arch, groups, width }: FeatureShape): FeatureStep[] {
  const w = (n: number) => Math.max(1, Math.round(n * width));
  const lrn: LrnStep = {
    kind: "lrn",
    radius: (LRN_DEFAULTS.size - 1) / 2,
    k: LRN_DEFAULTS.k,
    alpha: LRN_DEFAULTS.alpha,
    beta: LRN_DEFAULTS.beta,
  };
  const conv = (name: string, kernel: number, stride: number, pad: number, ins: number, outs: number, g = 1) =>
    ({ kind: "conv", name, kernel, stride, pad, ins, outs, groups: g }) as ConvStep;
  const pool = (ceil: boolean): PoolStep => ({ kind: "pool", window: 3, stride: 2, ceil });
  if (arch === "alexnet") {
    return [
      conv("conv1", 11, 4, 0, 3, w(96)),
      lrn,
      pool(true),
      conv("conv2", 5, 1, 2, w(96), w(256), groups),
      lrn,
      pool(true),
      conv("conv3", 3, 1, 1, w(256), w(384)),
      conv("conv4", 3, 1, 1, w(384), w(384), groups),
      conv("conv5", 3, 1, 1, w(384), w(256), groups),
      pool(true),
    ];
  }
  return [
    conv("conv1", 11, 4, 2, 3, w(64)),
    pool(false),
    conv("conv2", 5, 1, 2, w(64), w(192)),
    pool(false),
    conv("conv3", 3, 1, 1, w(192), w(384)),
    conv("conv4", 3, 1, 1, w(384), w(256)),
    conv("conv5", 3, 1, 1, w(256), w(256)),
    pool(false),
  ];
}
