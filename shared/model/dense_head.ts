/**
 * AlexNet's fully connected layers (fc6, fc7, fc8 — 96% of its weights) held in one WebAssembly
 * memory in the precision their checkpoint stores them in, and run by the SIMD kernels of
 * `shared/backend/dense_simd_kernels.ts`:
 *
 * - **int8**: one row of codes per output channel with a float32 scale per channel (and, for
 *   TF.js's older per-tensor affine codes, an offset per channel). Each input row is quantized
 *   to 7 bits with its own scale — ReLU outputs are non-negative, so 0…127 keeps full
 *   resolution — multiplied in int32, then scaled back: `y = sₓ·s_o·Σ q_w·q_x + sₓ·off_o·Σ q_x + b`.
 *   A row with negative values (no AlexNet layer makes one) is quantized to −127…127 and
 *   takes the plain-SIMD kernel, which reads signed activations.
 * - **float16 / float32**: weights in panels of 16 outputs (see the kernels), float32 sums; on
 *   the native rung float32 panels of a batch (4 rows or more) are multiplied by oneDNN's GEMM
 *   on every core instead.
 *
 * The memory is sized once for the weights and the scratch space of 16 rows, and never
 * grows, so typed views of it stay valid for the head's life. Loading code writes the weights
 * straight into {@linkcode DenseHead.weightBytes}: they reach their final place in one copy.
 *
 * @module
 */
import { float16BitsToFloat32 } from "../checkpoint/weight_storage.ts";
import { nativeLibrary } from "../backend/active_tfjs_backend.ts";
import {
  type DenseKernelExports,
  denseKernelModule,
  instantiateDenseKernels,
  quantizeActivations,
} from "../backend/dense_simd_kernels.ts";

/** How a layer's weights are held. */
export type DenseEncoding = "int8" | "float16" | "float32";

/** One fully connected layer to hold. */
export interface DenseLayerSpec {
  /** `fc6`, `fc7`, `fc8`. */
  name: string;
  ins: number;
  outs: number;
  encoding: DenseEncoding;
  /** Followed by a ReLU (fc6, fc7). */
  relu: boolean;
}

/** Where one layer's weights sit in the head's memory and how they are laid out. */
export interface DenseLayerLayout {
  spec: DenseLayerSpec;
  /** Byte offset of the weights. */
  offset: number;
  /** Bytes of weights (padding included). */
  bytes: number;
  /** int8: bytes per output row (`ins` rounded up to 16); float: 0 (panels of 16 outputs). */
  rowStride: number;
  /** `outs` rounded up to 4 (int8) or 16 (float16/float32); padding rows/columns are zero. */
  paddedOuts: number;
}

/** Fewest rows a float32 layer hands to oneDNN's GEMM on the native rung. */
const NATIVE_MIN_ROWS = 4;
/** Rows the scratch space holds; larger batches run in chunks of this many. */
const CHUNK_ROWS = 16;
const PAGE = 65536;
const align16 = (n: number) => (n + 15) & ~15;
const roundUp = (n: number, k: number) => Math.ceil(n / k) * k;

class HeadLayer {
  readonly layout: DenseLayerLayout;
  readonly bias: Float32Array;
  /** int8: scale per output channel. */
  readonly scales: Float32Array;
  /** int8 from per-tensor affine codes: offset per output channel; else null. */
  offsets: Float32Array | null = null;

  constructor(layout: DenseLayerLayout) {
    this.layout = layout;
    this.bias = new Float32Array(layout.spec.outs);
    this.scales = new Float32Array(layout.spec.encoding === "int8" ? layout.spec.outs : 0);
  }
}

/** Byte offsets of the scratch regions: int8 activations, int32 sums, float inputs, float outputs. */
interface Scratch {
  xq: number;
  acc: number;
  xf: number;
  yf: number;
}

/** Names of the layers whose (post-ReLU) outputs a forward pass can also return. */
export type DenseTap = "fc6" | "fc7";

/** What {@linkcode DenseHead.forward} answers: the logits and any tapped layers, row after row. */
export interface DenseOutputs {
  logits: Float32Array;
  fc6?: Float32Array;
  fc7?: Float32Array;
}

/**
 * @example
 * ```ts
 * const head = await DenseHead.create([
 *   { name: "fc6", ins: 9216, outs: 4096, encoding: "int8", relu: true },
 *   { name: "fc7", ins: 4096, outs: 4096, encoding: "int8", relu: true },
 *   { name: "fc8", ins: 4096, outs: 1000, encoding: "int8", relu: false },
 * ]);
 * head.weightBytes("fc6").set(codes); // one row of 9216 codes per output channel
 * head.scales("fc6").set(channelScales);
 * const { logits, fc7 } = head.forward(pool5, 1, ["fc7"]);
 * ```
 */
export class DenseHead {
  /** True when int8 layers use the relaxed-SIMD kernel. */
  readonly relaxed: boolean;
  /** Bytes of WebAssembly memory the head holds (weights + scratch). */
  readonly memoryBytes: number;
  #kernels: DenseKernelExports | null;
  #buffer: ArrayBuffer | null;
  readonly #layers: HeadLayer[];
  readonly #scratch: Scratch;

  private constructor(
    kernels: DenseKernelExports,
    memory: WebAssembly.Memory,
    layers: HeadLayer[],
    scratch: Scratch,
    relaxed: boolean,
  ) {
    this.#kernels = kernels;
    this.#buffer = memory.buffer as ArrayBuffer;
    this.memoryBytes = memory.buffer.byteLength;
    this.#layers = layers;
    this.#scratch = scratch;
    this.relaxed = relaxed;
  }

  /**
   * Allocates the memory for `specs` (in order: each layer's outputs feed the next) with zeroed
   * weights. `relaxed: false` keeps int8 layers on the plain-SIMD kernel even where relaxed
   * SIMD exists (both give the same integers; tests compare them).
   */
  static async create(specs: DenseLayerSpec[], options: { relaxed?: boolean } = {}): Promise<DenseHead> {
    if (specs.length === 0) throw new Error("a dense head needs at least one layer");
    for (let i = 1; i < specs.length; i++) {
      if (specs[i].ins !== specs[i - 1].outs) {
        throw new Error(
          `${specs[i].name} takes ${specs[i].ins} inputs but ${specs[i - 1].name} gives ${specs[i - 1].outs}`,
        );
      }
    }
    const { module, relaxed } = await denseKernelModule();
    let top = 0;
    const layers = specs.map((spec) => {
      const int8 = spec.encoding === "int8";
      const paddedOuts = roundUp(spec.outs, int8 ? 4 : 16);
      const rowStride = int8 ? roundUp(spec.ins, 16) : 0;
      const bytes = int8 ? paddedOuts * rowStride : paddedOuts * spec.ins * (spec.encoding === "float16" ? 2 : 4);
      const layout: DenseLayerLayout = { spec, offset: top, bytes, rowStride, paddedOuts };
      top = align16(top + bytes);
      return new HeadLayer(layout);
    });
    const maxIns = Math.max(...specs.map((s) => roundUp(s.ins, 16)));
    const maxOuts = Math.max(...layers.map((l) => l.layout.paddedOuts));
    const scratch: Scratch = { xq: 0, acc: 0, xf: 0, yf: 0 };
    scratch.xq = top;
    top = align16(top + CHUNK_ROWS * maxIns);
    scratch.acc = top;
    top = align16(top + CHUNK_ROWS * maxOuts * 4);
    scratch.xf = top;
    top = align16(top + CHUNK_ROWS * maxIns * 4);
    scratch.yf = top;
    top = align16(top + CHUNK_ROWS * maxOuts * 4);
    const pages = Math.ceil(top / PAGE);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    const kernels = instantiateDenseKernels(module, memory);
    return new DenseHead(kernels, memory, layers, scratch, relaxed && options.relaxed !== false);
  }

  #buf(): ArrayBuffer {
    if (!this.#buffer) throw new Error("the dense head was disposed");
    return this.#buffer;
  }

  #layer(name: string): HeadLayer {
    const layer = this.#layers.find((l) => l.layout.spec.name === name);
    if (!layer) throw new Error(`the dense head has no layer ${name}`);
    return layer;
  }

  /** The layers, in order, with their memory layout. */
  get layouts(): DenseLayerLayout[] {
    return this.#layers.map((l) => l.layout);
  }

  /** The layer's weight region, to be written by a loader (see {@linkcode DenseLayerLayout}). */
  weightBytes(name: string): Uint8Array {
    const { offset, bytes } = this.#layer(name).layout;
    return new Uint8Array(this.#buf(), offset, bytes);
  }

  /** The layer's bias, to be set by a loader. */
  bias(name: string): Float32Array {
    return this.#layer(name).bias;
  }

  /** An int8 layer's per-output-channel scales, to be set by a loader. */
  scales(name: string): Float32Array {
    return this.#layer(name).scales;
  }

  /** Gives an int8 layer per-output-channel offsets (codes from TF.js's per-tensor affine `uint8`). */
  setOffsets(name: string, offsets: Float32Array): void {
    this.#layer(name).offsets = offsets;
  }

  /** Inputs of the first layer. */
  get inputSize(): number {
    return this.#layers[0].layout.spec.ins;
  }

  /** Outputs of a layer. */
  outputSize(name: string): number {
    return this.#layer(name).layout.spec.outs;
  }

  /**
   * Runs `rows` input rows (row after row in `input`) through every layer; returns the last
   * layer's outputs and the (post-ReLU) outputs of the tapped layers.
   */
  forward(input: Float32Array, rows: number, taps: readonly DenseTap[] = []): DenseOutputs {
    const ins = this.inputSize;
    if (input.length !== rows * ins) {
      throw new Error(`the dense head takes rows of ${ins} values; got ${input.length} values for ${rows} rows`);
    }
    const last = this.#layers.at(-1)!.layout.spec;
    const out: DenseOutputs = { logits: new Float32Array(rows * last.outs) };
    for (const tap of taps) out[tap] = new Float32Array(rows * this.outputSize(tap));
    for (let from = 0; from < rows; from += CHUNK_ROWS) {
      const n = Math.min(CHUNK_ROWS, rows - from);
      let x = input.subarray(from * ins, (from + n) * ins);
      for (const layer of this.#layers) {
        x = this.#run(layer, x, n);
        const tapped = out[layer.layout.spec.name as DenseTap];
        if (tapped) tapped.set(x, from * layer.layout.spec.outs);
      }
      out.logits.set(x, from * last.outs);
    }
    return out;
  }

  #run(layer: HeadLayer, x: Float32Array, rows: number): Float32Array {
    return layer.layout.spec.encoding === "int8" ? this.#runInt8(layer, x, rows) : this.#runFloat(layer, x, rows);
  }

  #runInt8(layer: HeadLayer, x: Float32Array, rows: number): Float32Array {
    const { spec, offset, rowStride, paddedOuts } = layer.layout;
    const { ins, outs } = spec;
    const buffer = this.#buf();
    const xq = new Int8Array(buffer, this.#scratch.xq, rows * rowStride);
    const rowScale = new Float32Array(rows);
    const rowSum = new Float64Array(rows);
    let signed = false;
    for (let r = 0; r < rows; r++) {
      const base = r * rowStride;
      const row = quantizeActivations(x.subarray(r * ins, (r + 1) * ins), xq.subarray(base, base + ins));
      if (row.signed) signed = true;
      xq.fill(0, base + ins, base + rowStride);
      rowScale[r] = row.scale;
      // Per-tensor affine codes add back `offset · Σ codes` (see the module doc).
      if (layer.offsets) { for (let i = 0; i < ins; i++) rowSum[r] += xq[base + i]; }
    }
    const kernels = this.#kernels!;
    const kernel = this.relaxed && !signed ? kernels.dense_i8_relaxed! : kernels.dense_i8;
    kernel(offset, paddedOuts, rowStride, this.#scratch.xq, rows, this.#scratch.acc);
    const acc = new Int32Array(buffer, this.#scratch.acc, rows * paddedOuts);
    const y = new Float32Array(rows * outs);
    const { scales, bias, offsets } = layer;
    for (let r = 0; r < rows; r++) {
      const sx = rowScale[r];
      const shift = sx * rowSum[r];
      for (let o = 0; o < outs; o++) {
        let v = acc[r * paddedOuts + o] * sx * scales[o] + bias[o];
        if (offsets) v += shift * offsets[o];
        y[r * outs + o] = spec.relu && v < 0 ? 0 : v;
      }
    }
    return y;
  }

  #runFloat(layer: HeadLayer, x: Float32Array, rows: number): Float32Array {
    const { spec, offset, paddedOuts } = layer.layout;
    const { ins, outs } = spec;
    const buffer = this.#buf();
    new Float32Array(buffer, this.#scratch.xf, rows * ins).set(x);
    const yf = new Float32Array(buffer, this.#scratch.yf, rows * paddedOuts);
    for (let r = 0; r < rows; r++) {
      yf.set(layer.bias, r * paddedOuts);
      yf.fill(0, r * paddedOuts + outs, (r + 1) * paddedOuts);
    }
    // On the native rung a batch (not a single row: 256 panel calls cost more than they save
    // there) multiplies with oneDNN's GEMM on every core, one panel of 16 outputs (`[ins][16]`)
    // at a time, added to the bias already in place.
    const dnnl = spec.encoding === "float32" && rows >= NATIVE_MIN_ROWS ? nativeLibrary() : null;
    if (dnnl) {
      const base = Deno.UnsafePointer.of(new Uint8Array(buffer))!;
      const at = (bytes: number) => Deno.UnsafePointer.offset(base, bytes);
      for (let panel = 0; panel < paddedOuts / 16; panel++) {
        const w = at(offset + panel * ins * 64), y = at(this.#scratch.yf + panel * 64);
        dnnl.sgemm(false, false, rows, 16, ins, at(this.#scratch.xf), ins, w, 16, 1, y, paddedOuts);
      }
    } else {
      const kernel = spec.encoding === "float16" ? this.#kernels!.dense_f16 : this.#kernels!.dense_f32;
      kernel(offset, ins, paddedOuts, this.#scratch.xf, rows, this.#scratch.yf);
    }
    const y = new Float32Array(rows * outs);
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < outs; o++) {
        const v = yf[r * paddedOuts + o];
        y[r * outs + o] = spec.relu && v < 0 ? 0 : v;
      }
    }
    return y;
  }

  /** A layer's kernel as float32 in TF.js's dense layout `[ins][outs]` (dequantized; for inspection). */
  kernel(name: string): { values: Float32Array; shape: number[] } {
    const layer = this.#layer(name);
    const { spec, offset, rowStride, paddedOuts } = layer.layout;
    const { ins, outs } = spec;
    const values = new Float32Array(ins * outs);
    const buffer = this.#buf();
    if (spec.encoding === "int8") {
      const codes = new Int8Array(buffer, offset, paddedOuts * rowStride);
      for (let o = 0; o < outs; o++) {
        const off = layer.offsets?.[o] ?? 0;
        for (let i = 0; i < ins; i++) values[i * outs + o] = codes[o * rowStride + i] * layer.scales[o] + off;
      }
    } else {
      const panels = spec.encoding === "float32"
        ? new Float32Array(buffer, offset, paddedOuts * ins)
        : float16BitsToFloat32(new Uint16Array(buffer, offset, paddedOuts * ins));
      for (let i = 0; i < ins; i++) {
        for (let o = 0; o < outs; o++) values[i * outs + o] = panels[((o >> 4) * ins + i) * 16 + (o & 15)];
      }
    }
    return { values, shape: [ins, outs] };
  }

  /** Releases the memory (once nothing else refers to it); later calls throw. */
  dispose(): void {
    this.#buffer = null;
    this.#kernels = null;
  }
}
