/**
 * AlexNet's convolutions computed from int8 weights by the same WebAssembly SIMD kernels as the
 * fully connected layers, without TF.js: each image's activations are quantized to int8 with
 * one scale per image and layer (ReLU outputs are non-negative, so 0…127 for conv2…conv5; the
 * normalised image is signed, −127…127, for conv1), laid out as one row per output pixel
 * (im2col), multiplied by one row of codes per output channel in int32, then scaled back per
 * channel, biased and rectified. LRN, max pooling and the adaptive average pooling to 6×6 run
 * in float32. One image at a time, so the scratch space is a few MiB whatever the batch.
 *
 * One WebAssembly memory holds the codes and the scratch space; it is sized once and never
 * grows. A loader writes each layer's codes straight into {@linkcode Int8Features.weightBytes}.
 *
 * @module
 */
import {
  type DenseKernelExports,
  denseKernelModule,
  instantiateDenseKernels,
  quantizeActivations,
} from "../backend/dense_simd_kernels.ts";
import type { ConvFeatures, FeatureReplica, Int8ConvReplica } from "./conv_features.ts";
import {
  adaptiveBins,
  convOutput,
  type ConvStep,
  type FeatureStep,
  featureSteps,
  type LrnStep,
  poolOutput,
  type PoolStep,
} from "./feature_steps.ts";
import type { InferenceSpec } from "./inference_spec.ts";
import { InputShapeError } from "./input_shape_error.ts";

const PAGE = 65536;
/** `pool5` is averaged (PyTorch's adaptive rule) to this edge before fc6. */
const POOLED = 6;
const align16 = (n: number) => (n + 15) & ~15;
const roundUp = (n: number, k: number) => Math.ceil(n / k) * k;

/** Where one convolution's codes lie: `groups` blocks of `paddedGroupOuts` rows of `stride` bytes. */
export interface Int8ConvLayout {
  step: ConvStep;
  /** Byte offset of the codes. */
  offset: number;
  bytes: number;
  /** Output channels per group, and rounded up to 4 (the kernel's step; padding rows are zero). */
  groupOuts: number;
  paddedGroupOuts: number;
  /** Codes per output channel (`kernel² · ins/groups`), in the order `[ky][kx][c]`. */
  patch: number;
  /** `patch` rounded up to 16. */
  stride: number;
}

class ConvLayer {
  readonly layout: Int8ConvLayout;
  readonly scales: Float32Array;
  readonly bias: Float32Array;
  constructor(layout: Int8ConvLayout) {
    this.layout = layout;
    this.scales = new Float32Array(layout.step.outs);
    this.bias = new Float32Array(layout.step.outs);
  }
}

/** Byte offsets of the scratch regions. */
interface Scratch {
  /** Two float32 activation maps, each `maxMap` values. */
  maps: [number, number];
  /** The int8 copy of a convolution's input. */
  quantized: number;
  /** im2col rows. */
  columns: number;
  /** int32 sums. */
  sums: number;
}

/**
 * @example
 * ```ts
 * const features = await Int8Features.create(spec);
 * features.weightBytes("conv1").set(codes); // rows as Int8Features.layout("conv1") says
 * features.scales("conv1").set(channelScales);
 * features.bias("conv1").set(bias);
 * const pool5 = await features.pool5(images, 2);
 * ```
 */
export class Int8Features implements ConvFeatures {
  readonly precision = "int8" as const;
  readonly spec: InferenceSpec;
  /** True when conv2…conv5 use the relaxed-SIMD kernel. */
  readonly relaxed: boolean;
  readonly memoryBytes: number;
  readonly #steps: FeatureStep[];
  readonly #layers: Map<string, ConvLayer>;
  readonly #scratch: Scratch;
  #kernels: DenseKernelExports | null;
  #buffer: ArrayBuffer | null;

  private constructor(
    spec: InferenceSpec,
    steps: FeatureStep[],
    layers: Map<string, ConvLayer>,
    scratch: Scratch,
    memory: WebAssembly.Memory,
    kernels: DenseKernelExports,
    relaxed: boolean,
  ) {
    this.spec = spec;
    this.#steps = steps;
    this.#layers = layers;
    this.#scratch = scratch;
    this.#buffer = memory.buffer as ArrayBuffer;
    this.memoryBytes = memory.buffer.byteLength;
    this.#kernels = kernels;
    this.relaxed = relaxed;
  }

  /** Allocates the memory for `spec`'s convolutions (zero codes) and their scratch space. */
  static async create(spec: InferenceSpec, options: { relaxed?: boolean } = {}): Promise<Int8Features> {
    const steps = featureSteps(spec);
    const { module, relaxed } = await denseKernelModule();
    let top = 0;
    const layers = new Map<string, ConvLayer>();
    let size = spec.inputSize, channels = 3;
    let maxMap = size * size * 3, maxQuantized = 0, maxColumns = 0, maxSums = 0;
    for (const step of steps) {
      if (step.kind === "conv") {
        const groupOuts = step.outs / step.groups;
        const paddedGroupOuts = roundUp(groupOuts, 4);
        const patch = step.kernel * step.kernel * (step.ins / step.groups);
        const stride = roundUp(patch, 16);
        const bytes = step.groups * paddedGroupOuts * stride;
        layers.set(step.name, new ConvLayer({ step, offset: top, bytes, groupOuts, paddedGroupOuts, patch, stride }));
        top = align16(top + bytes);
        maxQuantized = Math.max(maxQuantized, size * size * channels);
        size = convOutput(size, step);
        channels = step.outs;
        const rows = roundUp(size * size, 2);
        maxColumns = Math.max(maxColumns, rows * stride);
        maxSums = Math.max(maxSums, rows * paddedGroupOuts * 4);
      } else if (step.kind === "pool") {
        size = poolOutput(size, step);
      }
      maxMap = Math.max(maxMap, size * size * channels);
    }
    const scratch: Scratch = { maps: [0, 0], quantized: 0, columns: 0, sums: 0 };
    for (const k of [0, 1] as const) {
      scratch.maps[k] = top;
      top = align16(top + maxMap * 4);
    }
    scratch.quantized = top;
    top = align16(top + maxQuantized);
    scratch.columns = top;
    top = align16(top + maxColumns);
    scratch.sums = top;
    top = align16(top + maxSums);
    const pages = Math.ceil(top / PAGE);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    const kernels = instantiateDenseKernels(module, memory);
    return new Int8Features(spec, steps, layers, scratch, memory, kernels, relaxed && options.relaxed !== false);
  }

  /** Rebuilds a copy from {@linkcode replica}'s answer (in a worker). */
  static async fromReplica(replica: Extract<FeatureReplica, { kind: "int8" }>): Promise<Int8Features> {
    const features = await Int8Features.create(replica.spec, { relaxed: replica.relaxed });
    for (const layer of replica.layers) {
      features.weightBytes(layer.name).set(layer.codes);
      features.scales(layer.name).set(layer.scales);
      features.bias(layer.name).set(layer.bias);
    }
    return features;
  }

  #buf(): ArrayBuffer {
    if (!this.#buffer) throw new Error("the int8 convolutions were disposed");
    return this.#buffer;
  }

  #layer(name: string): ConvLayer {
    const layer = this.#layers.get(name);
    if (!layer) throw new Error(`the convolutional part has no layer ${name}`);
    return layer;
  }

  /** The convolutions, in order, with their memory layout. */
  get layouts(): Int8ConvLayout[] {
    return [...this.#layers.values()].map((l) => l.layout);
  }

  /** Where a layer's codes go: group g's output channel o (of its own) is row `g·paddedGroupOuts + o`. */
  layout(name: string): Int8ConvLayout {
    return this.#layer(name).layout;
  }

  /** The layer's code region, to be written by a loader. */
  weightBytes(name: string): Uint8Array {
    const { offset, bytes } = this.#layer(name).layout;
    return new Uint8Array(this.#buf(), offset, bytes);
  }

  /** The layer's per-output-channel scales, to be set by a loader. */
  scales(name: string): Float32Array {
    return this.#layer(name).scales;
  }

  /** The layer's bias, to be set by a loader. */
  bias(name: string): Float32Array {
    return this.#layer(name).bias;
  }

  /** Length of one image's `pool5` features. */
  get featureSize(): number {
    const last = [...this.#layers.values()].at(-1)!.layout.step;
    return POOLED * POOLED * last.outs;
  }

  pool5(values: Float32Array, count: number): Promise<Float32Array> {
    const s = this.spec.inputSize, perImage = s * s * 3;
    if (values.length !== count * perImage) {
      throw new InputShapeError(`expected ${count} images of ${s}×${s}×3 values, got ${values.length} values`);
    }
    const width = this.featureSize;
    const out = new Float32Array(count * width);
    for (let i = 0; i < count; i++) {
      this.#image(values.subarray(i * perImage, (i + 1) * perImage), out.subarray(i * width, (i + 1) * width));
    }
    return Promise.resolve(out);
  }

  /** One image through every step; its `pool5` features into `out`. */
  #image(pixels: Float32Array, out: Float32Array): void {
    const buffer = this.#buf();
    const maps = this.#scratch.maps.map((offset) => new Float32Array(buffer, offset)) as [Float32Array, Float32Array];
    let current = 0, size = this.spec.inputSize, channels = 3;
    maps[0].set(pixels);
    for (const step of this.#steps) {
      const from = maps[current], to = maps[1 - current];
      if (step.kind === "conv") {
        this.#conv(this.#layer(step.name), from, size, to);
        size = convOutput(size, step);
        channels = step.outs;
      } else if (step.kind === "lrn") {
        lrn(step, from, size * size, channels, to);
      } else {
        const next = poolOutput(size, step);
        maxPool(step, from, size, channels, next, to);
        size = next;
      }
      current = 1 - current;
    }
    adaptiveAveragePool(maps[current], size, channels, POOLED, out);
  }

  #conv(layer: ConvLayer, input: Float32Array, size: number, output: Float32Array): void {
    const { step, offset, groupOuts, paddedGroupOuts, patch, stride } = layer.layout;
    const kernels = this.#kernels!;
    const buffer = this.#buf();
    const n = size * size * step.ins;
    const { scale, signed } = quantizeActivations(
      input.subarray(0, n),
      new Int8Array(buffer, this.#scratch.quantized, n),
    );
    // The relaxed kernel reads activations as 7-bit unsigned; a signed input takes the plain one.
    const kernel = this.relaxed && !signed ? kernels.rows2_i8_relaxed! : kernels.rows2_i8;
    const outSize = convOutput(size, step);
    const rows = outSize * outSize, evenRows = roundUp(rows, 2);
    const bytes = new Uint8Array(buffer);
    const sums = new Int32Array(buffer, this.#scratch.sums, evenRows * paddedGroupOuts);
    const multipliers = new Float32Array(groupOuts);
    for (let g = 0; g < step.groups; g++) {
      im2col(bytes, this.#scratch.quantized, size, step, g, outSize, this.#scratch.columns, patch, stride);
      if (evenRows > rows) {
        bytes.fill(0, this.#scratch.columns + rows * stride, this.#scratch.columns + evenRows * stride);
      }
      kernel(
        offset + g * paddedGroupOuts * stride,
        paddedGroupOuts,
        stride,
        this.#scratch.columns,
        evenRows,
        this.#scratch.sums,
      );
      const first = g * groupOuts;
      for (let o = 0; o < groupOuts; o++) multipliers[o] = scale * layer.scales[first + o];
      const bias = layer.bias.subarray(first, first + groupOuts);
      for (let r = 0; r < rows; r++) {
        const sum = r * paddedGroupOuts, y = r * step.outs + first;
        for (let o = 0; o < groupOuts; o++) {
          const v = sums[sum + o] * multipliers[o] + bias[o];
          output[y + o] = v > 0 ? v : 0;
        }
      }
    }
  }

  kernel(layer: string): Promise<{ values: Float32Array; shape: number[] }> {
    const { layout, scales } = this.#layer(layer);
    const { step, offset, groupOuts, paddedGroupOuts, patch, stride } = layout;
    const codes = new Int8Array(this.#buf(), offset, layout.bytes);
    const values = new Float32Array(patch * step.outs);
    for (let o = 0; o < step.outs; o++) {
      const row = (Math.floor(o / groupOuts) * paddedGroupOuts + (o % groupOuts)) * stride;
      for (let p = 0; p < patch; p++) values[p * step.outs + o] = codes[row + p] * scales[o];
    }
    return Promise.resolve({ values, shape: [step.kernel, step.kernel, step.ins / step.groups, step.outs] });
  }

  wasmBytes(): number {
    return this.memoryBytes;
  }

  replica(): Promise<FeatureReplica> {
    const layers: Int8ConvReplica[] = [...this.#layers.values()].map((l) => ({
      name: l.layout.step.name,
      codes: this.weightBytes(l.layout.step.name).slice(),
      scales: l.scales.slice(),
      bias: l.bias.slice(),
    }));
    return Promise.resolve({ kind: "int8", spec: this.spec, relaxed: this.relaxed, layers });
  }

  /** Releases the memory (once nothing else refers to it); later calls throw. */
  dispose(): void {
    this.#buffer = null;
    this.#kernels = null;
  }
}

/**
 * Group `g`'s input patches as rows: row `oy·out + ox` holds the codes under the kernel at that
 * output pixel, `[ky][kx][c]`, zeros where the kernel hangs over the edge, then zeros to `stride`.
 */
function im2col(
  bytes: Uint8Array,
  input: number,
  size: number,
  step: ConvStep,
  g: number,
  outSize: number,
  columns: number,
  patch: number,
  stride: number,
): void {
  const { kernel: k, stride: s, pad, ins, groups } = step;
  const c = ins / groups, c0 = g * c;
  // One tower takes every input channel: a kernel row's pixels are contiguous in the input.
  const whole = groups === 1;
  for (let oy = 0; oy < outSize; oy++) {
    for (let ox = 0; ox < outSize; ox++) {
      const row = columns + (oy * outSize + ox) * stride;
      const x0 = ox * s - pad;
      const kx0 = Math.max(0, -x0), kx1 = Math.min(k, size - x0);
      for (let ky = 0; ky < k; ky++) {
        const dst = row + ky * k * c;
        const iy = oy * s - pad + ky;
        if (iy < 0 || iy >= size || kx1 <= kx0) {
          bytes.fill(0, dst, dst + k * c);
          continue;
        }
        if (kx0 > 0) bytes.fill(0, dst, dst + kx0 * c);
        if (kx1 < k) bytes.fill(0, dst + kx1 * c, dst + k * c);
        const src = input + (iy * size + x0) * ins;
        if (whole) {
          bytes.copyWithin(dst + kx0 * c, src + kx0 * ins, src + kx1 * ins);
        } else {
          for (let kx = kx0; kx < kx1; kx++) {
            const from = src + kx * ins + c0;
            bytes.copyWithin(dst + kx * c, from, from + c);
          }
        }
      }
      if (stride > patch) bytes.fill(0, row + patch, row + stride);
    }
  }
}

/** TensorFlow's LRN: `y = x / (k + α·Σ x²)^β` over the `radius` channels on either side. */
function lrn(step: LrnStep, input: Float32Array, pixels: number, channels: number, output: Float32Array): void {
  const { radius, k, alpha, beta } = step;
  for (let p = 0; p < pixels; p++) {
    const base = p * channels;
    for (let ch = 0; ch < channels; ch++) {
      let sum = 0;
      const lo = Math.max(0, ch - radius), hi = Math.min(channels - 1, ch + radius);
      for (let j = lo; j <= hi; j++) sum += input[base + j] * input[base + j];
      output[base + ch] = input[base + ch] / Math.pow(k + alpha * sum, beta);
    }
  }
}

/** Max pooling over square windows; with `ceil`, windows past the edge are clipped (inputs are ≥ 0). */
function maxPool(
  step: PoolStep,
  input: Float32Array,
  size: number,
  channels: number,
  outSize: number,
  output: Float32Array,
): void {
  const { window, stride } = step;
  for (let oy = 0; oy < outSize; oy++) {
    const y1 = Math.min(size, oy * stride + window);
    for (let ox = 0; ox < outSize; ox++) {
      const x1 = Math.min(size, ox * stride + window);
      const out = (oy * outSize + ox) * channels;
      output.fill(-Infinity, out, out + channels);
      for (let y = oy * stride; y < y1; y++) {
        for (let x = ox * stride; x < x1; x++) {
          const at = (y * size + x) * channels;
          for (let ch = 0; ch < channels; ch++) {
            const v = input[at + ch];
            if (v > output[out + ch]) output[out + ch] = v;
          }
        }
      }
    }
  }
}

/** PyTorch's adaptive average pooling of a `size`² map to `pooled`², flattened in HWC order. */
function adaptiveAveragePool(input: Float32Array, size: number, channels: number, pooled: number, out: Float32Array) {
  const bins = adaptiveBins(size, pooled);
  for (let py = 0; py < pooled; py++) {
    for (let px = 0; px < pooled; px++) {
      const o = (py * pooled + px) * channels;
      const [y0, y1] = bins[py], [x0, x1] = bins[px];
      const inverse = 1 / ((y1 - y0) * (x1 - x0));
      for (let ch = 0; ch < channels; ch++) {
        let sum = 0;
        for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += input[(y * size + x) * channels + ch];
        out[o + ch] = sum * inverse;
      }
    }
  }
}
