/**
 * AlexNet's convolutions (conv1 … pool5) run by this project's WebAssembly SIMD kernels — the
 * same module as the fully connected layers' — without TF.js, from float32 or int8 weights:
 *
 * - **float32** (float32 and float16 checkpoints; float16 is widened on load, 9 MiB at most):
 *   each convolution's input patches laid out as one row per output pixel (im2col), multiplied
 *   by panels of eight output channels six rows at a time (`rows6_f32`), biased and rectified.
 * - **int8** (per-channel int8 checkpoints): each image's activations quantized to int8 with one
 *   scale per image and layer (ReLU outputs are non-negative, so 0…127 for conv2…conv5; the
 *   normalised image is signed, −127…127, for conv1), im2col'd, multiplied by one row of codes
 *   per output channel in int32 (`rows2_i8`), then scaled back per channel, biased and rectified.
 *
 * LRN, max pooling and the adaptive average pooling to 6×6 run in float32. One image at a
 * time, so the scratch space is a few MiB whatever the batch. One WebAssembly memory holds the
 * weights and the scratch space; it is sized once and never grows. A loader writes int8 codes
 * straight into {@linkcode SimdFeatures.weightBytes}, float kernels through
 * {@linkcode SimdFeatures.setKernel}.
 *
 * @module
 */
import {
  type DenseKernelExports,
  denseKernelModule,
  instantiateDenseKernels,
  quantizeActivations,
} from "../backend/dense_simd_kernels.ts";
import type { ConvFeatures, ConvPrecision, FeatureReplica, SimdConvReplica } from "./conv_features.ts";
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

/** What each precision's kernel asks of its operands. */
const KERNEL_SHAPE = {
  /** Rows of codes per output channel (4 per step), rows of input a multiple of 16 bytes, 2 pixels per step. */
  int8: { outStep: 4, rowStep: 2, bytesPerValue: 1, patchStep: 16 },
  /** Panels of 8 output channels, rows of input unpadded, 6 pixels per step. */
  float32: { outStep: 8, rowStep: 6, bytesPerValue: 4, patchStep: 1 },
} as const;

/**
 * Where one convolution's weights lie: `groups` blocks of `paddedGroupOuts` output channels.
 * int8: one row of `stride` codes per output channel (group g's channel o is row
 * `g·paddedGroupOuts + o`). float32: each group's block in panels of 8 channels, `W[p][o]` at
 * element `(⌊o/8⌋·patch + p)·8 + o mod 8` of the block.
 */
export interface SimdConvLayout {
  step: ConvStep;
  precision: ConvPrecision;
  /** Byte offset of the weights. */
  offset: number;
  bytes: number;
  /** Output channels per group, and rounded up to the kernel's step (padding channels are zero). */
  groupOuts: number;
  paddedGroupOuts: number;
  /** Weights per output channel (`kernel² · ins/groups`), in the order `[ky][kx][c]`. */
  patch: number;
  /** Values per im2col row: int8 `patch` rounded up to 16; float32 `patch`. */
  stride: number;
}

class ConvLayer {
  readonly layout: SimdConvLayout;
  /** int8: scale per output channel; float32: empty. */
  readonly scales: Float32Array;
  readonly bias: Float32Array;
  constructor(layout: SimdConvLayout) {
    this.layout = layout;
    this.scales = new Float32Array(layout.precision === "int8" ? layout.step.outs : 0);
    this.bias = new Float32Array(layout.step.outs);
  }
}

/** Byte offsets of the scratch regions. */
interface Scratch {
  /** Two float32 activation maps, each `maxMap` values. */
  maps: [number, number];
  /** int8: the quantized copy of a convolution's input. */
  quantized: number;
  /** im2col rows. */
  columns: number;
  /** The kernel's sums (int32 or float32). */
  sums: number;
}

/**
 * @example
 * ```ts
 * const features = await SimdFeatures.create(spec, { precision: "float32" });
 * features.setKernel("conv1", kernel); // TF.js's layout [kh, kw, cin/groups, cout]
 * features.bias("conv1").set(bias);
 * const pool5 = await features.pool5(images, 2);
 * ```
 */
export class SimdFeatures implements ConvFeatures {
  readonly precision: ConvPrecision;
  readonly spec: InferenceSpec;
  /** True when the kernels' relaxed-SIMD forms are used. */
  readonly relaxed: boolean;
  readonly memoryBytes: number;
  readonly #steps: FeatureStep[];
  readonly #layers: Map<string, ConvLayer>;
  readonly #scratch: Scratch;
  #kernels: DenseKernelExports | null;
  #buffer: ArrayBuffer | null;

  private constructor(
    spec: InferenceSpec,
    precision: ConvPrecision,
    steps: FeatureStep[],
    layers: Map<string, ConvLayer>,
    scratch: Scratch,
    memory: WebAssembly.Memory,
    kernels: DenseKernelExports,
    relaxed: boolean,
  ) {
    this.spec = spec;
    this.precision = precision;
    this.#steps = steps;
    this.#layers = layers;
    this.#scratch = scratch;
    this.#buffer = memory.buffer as ArrayBuffer;
    this.memoryBytes = memory.buffer.byteLength;
    this.#kernels = kernels;
    this.relaxed = relaxed;
  }

  /** Allocates the memory for `spec`'s convolutions (zero weights) and their scratch space. */
  static async create(
    spec: InferenceSpec,
    options: { precision: ConvPrecision; relaxed?: boolean },
  ): Promise<SimdFeatures> {
    const { precision } = options;
    const shape = KERNEL_SHAPE[precision];
    const steps = featureSteps(spec);
    const { module, relaxed } = await denseKernelModule();
    let top = 0;
    const layers = new Map<string, ConvLayer>();
    let size = spec.inputSize, channels = 3;
    let maxMap = size * size * 3, maxQuantized = 0, maxColumns = 0, maxSums = 0;
    for (const step of steps) {
      if (step.kind === "conv") {
        const groupOuts = step.outs / step.groups;
        const paddedGroupOuts = roundUp(groupOuts, shape.outStep);
        const patch = step.kernel * step.kernel * (step.ins / step.groups);
        const stride = roundUp(patch, shape.patchStep);
        const bytes = step.groups * paddedGroupOuts * stride * shape.bytesPerValue;
        const layout = { step, precision, offset: top, bytes, groupOuts, paddedGroupOuts, patch, stride };
        layers.set(step.name, new ConvLayer(layout));
        top = align16(top + bytes);
        if (precision === "int8") maxQuantized = Math.max(maxQuantized, size * size * channels);
        size = convOutput(size, step);
        channels = step.outs;
        const rows = roundUp(size * size, shape.rowStep);
        maxColumns = Math.max(maxColumns, rows * stride * shape.bytesPerValue);
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
    const useRelaxed = relaxed && options.relaxed !== false;
    return new SimdFeatures(spec, precision, steps, layers, scratch, memory, kernels, useRelaxed);
  }

  /** Rebuilds a copy from {@linkcode replica}'s answer (in a worker). */
  static async fromReplica(replica: FeatureReplica): Promise<SimdFeatures> {
    const features = await SimdFeatures.create(replica.spec, {
      precision: replica.precision,
      relaxed: replica.relaxed,
    });
    for (const layer of replica.layers) {
      features.weightBytes(layer.name).set(layer.weights);
      features.scales(layer.name).set(layer.scales);
      features.bias(layer.name).set(layer.bias);
    }
    return features;
  }

  #buf(): ArrayBuffer {
    if (!this.#buffer) throw new Error("the convolutions were disposed");
    return this.#buffer;
  }

  #layer(name: string): ConvLayer {
    const layer = this.#layers.get(name);
    if (!layer) throw new Error(`the convolutional part has no layer ${name}`);
    return layer;
  }

  /** The convolutions, in order, with their memory layout. */
  get layouts(): SimdConvLayout[] {
    return [...this.#layers.values()].map((l) => l.layout);
  }

  /** Where a layer's weights go and how they are laid out. */
  layout(name: string): SimdConvLayout {
    return this.#layer(name).layout;
  }

  /** The layer's weight region as bytes, to be written by a loader (int8 codes in place). */
  weightBytes(name: string): Uint8Array {
    const { offset, bytes } = this.#layer(name).layout;
    return new Uint8Array(this.#buf(), offset, bytes);
  }

  /**
   * Sets a float32 layer's kernel from float32 values in TF.js's layout `[kh, kw, cin/groups,
   * cout]` (value `p·cout + o`, patch position p in `[ky][kx][c]` order).
   */
  setKernel(name: string, values: Float32Array): void {
    const { layout } = this.#layer(name);
    const { step, groupOuts, paddedGroupOuts, patch } = layout;
    if (layout.precision !== "float32") throw new Error(`${name} holds int8 codes; write them with weightBytes`);
    if (values.length !== patch * step.outs) {
      throw new InputShapeError(`${name}: expected ${patch * step.outs} kernel values, got ${values.length}`);
    }
    const panels = new Float32Array(this.#buf(), layout.offset, layout.bytes / 4);
    for (let o = 0; o < step.outs; o++) {
      const g = Math.floor(o / groupOuts), local = o % groupOuts;
      const base = g * paddedGroupOuts * patch + (local >> 3) * patch * 8 + (local & 7);
      for (let p = 0; p < patch; p++) panels[base + p * 8] = values[p * step.outs + o];
    }
  }

  /** The layer's per-output-channel scales (int8), to be set by a loader. */
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
        const layer = this.#layer(step.name);
        if (layer.layout.precision === "int8") this.#int8Conv(layer, from, size, to);
        else this.#floatConv(layer, from, size, to);
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

  #int8Conv(layer: ConvLayer, input: Float32Array, size: number, output: Float32Array): void {
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
    const rows = outSize * outSize, paddedRows = roundUp(rows, KERNEL_SHAPE.int8.rowStep);
    const bytes = new Uint8Array(buffer);
    const sums = new Int32Array(buffer, this.#scratch.sums, paddedRows * paddedGroupOuts);
    const multipliers = new Float32Array(groupOuts);
    for (let g = 0; g < step.groups; g++) {
      const columns = { at: this.#scratch.columns, patch, stride, rows, paddedRows };
      im2col(bytes, this.#scratch.quantized, size, step, g, outSize, columns);
      kernel(
        offset + g * paddedGroupOuts * stride,
        paddedGroupOuts,
        stride,
        columns.at,
        paddedRows,
        this.#scratch.sums,
      );
      const first = g * groupOuts;
      for (let o = 0; o < groupOuts; o++) multipliers[o] = scale * layer.scales[first + o];
      biasRelu(sums, multipliers, layer.bias, { rows, groupOuts, paddedGroupOuts, outs: step.outs, first }, output);
    }
  }

  #floatConv(layer: ConvLayer, input: Float32Array, size: number, output: Float32Array): void {
    const { step, offset, groupOuts, paddedGroupOuts, patch } = layer.layout;
    const kernels = this.#kernels!;
    const kernel = this.relaxed ? kernels.rows6_f32_relaxed! : kernels.rows6_f32;
    const buffer = this.#buf();
    const outSize = convOutput(size, step);
    const rows = outSize * outSize, paddedRows = roundUp(rows, KERNEL_SHAPE.float32.rowStep);
    const floats = new Float32Array(buffer);
    const sums = new Float32Array(buffer, this.#scratch.sums, paddedRows * paddedGroupOuts);
    for (let g = 0; g < step.groups; g++) {
      // Element offsets: the input map and the columns are float32.
      const columns = { at: this.#scratch.columns / 4, patch, stride: patch, rows, paddedRows };
      im2col(floats, input.byteOffset / 4, size, step, g, outSize, columns);
      const weights = offset + g * paddedGroupOuts * patch * 4;
      kernel(weights, patch, paddedGroupOuts, this.#scratch.columns, paddedRows, this.#scratch.sums);
      const shape = { rows, groupOuts, paddedGroupOuts, outs: step.outs, first: g * groupOuts };
      biasRelu(sums, null, layer.bias, shape, output);
    }
  }

  kernel(layer: string): Promise<{ values: Float32Array; shape: number[] }> {
    const { layout, scales } = this.#layer(layer);
    const { step, offset, groupOuts, paddedGroupOuts, patch, stride } = layout;
    const values = new Float32Array(patch * step.outs);
    const codes = new Int8Array(this.#buf(), offset, layout.bytes);
    const panels = new Float32Array(this.#buf(), offset, layout.bytes / 4);
    for (let o = 0; o < step.outs; o++) {
      const g = Math.floor(o / groupOuts), local = o % groupOuts;
      if (layout.precision === "int8") {
        const row = (g * paddedGroupOuts + local) * stride;
        for (let p = 0; p < patch; p++) values[p * step.outs + o] = codes[row + p] * scales[o];
      } else {
        const base = g * paddedGroupOuts * patch + (local >> 3) * patch * 8 + (local & 7);
        for (let p = 0; p < patch; p++) values[p * step.outs + o] = panels[base + p * 8];
      }
    }
    return Promise.resolve({ values, shape: [step.kernel, step.kernel, step.ins / step.groups, step.outs] });
  }

  wasmBytes(): number {
    return this.memoryBytes;
  }

  replica(): Promise<FeatureReplica> {
    const layers: SimdConvReplica[] = [...this.#layers.values()].map((l) => ({
      name: l.layout.step.name,
      weights: this.weightBytes(l.layout.step.name).slice(),
      scales: l.scales.slice(),
      bias: l.bias.slice(),
    }));
    return Promise.resolve({ precision: this.precision, spec: this.spec, relaxed: this.relaxed, layers });
  }

  /** Releases the memory (once nothing else refers to it); later calls throw. */
  dispose(): void {
    this.#buffer = null;
    this.#kernels = null;
  }
}

/**
 * A group's sums → the output map: `max(0, sum·multiplier + bias)` (no multiplier for float
 * sums), into channels `first…` of each pixel.
 */
function biasRelu(
  sums: Int32Array | Float32Array,
  multipliers: Float32Array | null,
  bias: Float32Array,
  shape: { rows: number; groupOuts: number; paddedGroupOuts: number; outs: number; first: number },
  output: Float32Array,
): void {
  const { rows, groupOuts, paddedGroupOuts, outs, first } = shape;
  for (let r = 0; r < rows; r++) {
    const sum = r * paddedGroupOuts, y = r * outs + first;
    for (let o = 0; o < groupOuts; o++) {
      const v = (multipliers ? sums[sum + o] * multipliers[o] : sums[sum + o]) + bias[first + o];
      output[y + o] = v > 0 ? v : 0;
    }
  }
}

/** Where im2col writes: element offset, values per patch and per row, rows and rows padded with zeros. */
interface Columns {
  at: number;
  patch: number;
  stride: number;
  rows: number;
  paddedRows: number;
}

/**
 * Group `g`'s input patches as rows (element offsets; int8 codes or float32 values alike): row
 * `oy·out + ox` holds the values under the kernel at that output pixel, `[ky][kx][c]`, zeros
 * where the kernel hangs over the edge, then zeros to `stride`; rows past `rows` are zeros.
 */
function im2col(
  values: Uint8Array | Float32Array,
  input: number,
  size: number,
  step: ConvStep,
  g: number,
  outSize: number,
  { at: columns, patch, stride, rows, paddedRows }: Columns,
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
          values.fill(0, dst, dst + k * c);
          continue;
        }
        if (kx0 > 0) values.fill(0, dst, dst + kx0 * c);
        if (kx1 < k) values.fill(0, dst + kx1 * c, dst + k * c);
        const src = input + (iy * size + x0) * ins;
        if (whole) {
          values.copyWithin(dst + kx0 * c, src + kx0 * ins, src + kx1 * ins);
        } else {
          for (let kx = kx0; kx < kx1; kx++) {
            const from = src + kx * ins + c0;
            values.copyWithin(dst + kx * c, from, from + c);
          }
        }
      }
      if (stride > patch) values.fill(0, row + patch, row + stride);
    }
  }
  if (paddedRows > rows) values.fill(0, columns + rows * stride, columns + paddedRows * stride);
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
