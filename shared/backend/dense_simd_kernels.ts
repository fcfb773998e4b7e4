/**
 * The fully connected layers' WebAssembly SIMD kernels, ready to run: compiled for this runtime
 * from the binaries in `dense_simd_kernels_wasm.ts` (generated from the text in
 * `dense_simd_kernels_wat.ts`, which documents each kernel), and instantiated over a memory. They
 * read weights in the precision a checkpoint stores them in — int8, float16 or float32 — so no
 * float32 copy of an int8 or float16 layer ever exists.
 *
 * @module
 */
import { DENSE_KERNELS_PLAIN_BASE64, DENSE_KERNELS_RELAXED_BASE64 } from "./dense_simd_kernels_wasm.ts";

/** The exported functions over one memory, typed. */
export interface DenseKernelExports {
  dense_i8(w: number, outs: number, stride: number, x: number, rows: number, acc: number): void;
  /** Present where the runtime runs relaxed SIMD. */
  dense_i8_relaxed?(w: number, outs: number, stride: number, x: number, rows: number, acc: number): void;
  rows2_i8(w: number, outs: number, stride: number, x: number, rows: number, acc: number): void;
  /** Present where the runtime runs relaxed SIMD. */
  rows2_i8_relaxed?(w: number, outs: number, stride: number, x: number, rows: number, acc: number): void;
  rows6_f32(w: number, k: number, outs: number, x: number, rows: number, y: number): void;
  /** Present where the runtime runs relaxed SIMD. */
  rows6_f32_relaxed?(w: number, k: number, outs: number, x: number, rows: number, y: number): void;
  dense_f32(w: number, ins: number, outs: number, x: number, rows: number, y: number): void;
  dense_f16(w: number, ins: number, outs: number, x: number, rows: number, y: number): void;
}

/** The compiled kernels and whether the relaxed int8 kernel is among them. */
export interface DenseKernelModule {
  module: WebAssembly.Module;
  relaxed: boolean;
}

let compiled: Promise<DenseKernelModule> | undefined;

/**
 * The kernels compiled for this runtime (once per process): with the relaxed-SIMD int8 kernel
 * where the runtime has it, else without. They come precompiled (`dense_simd_kernels_wasm.ts`),
 * so no text is parsed at run time.
 *
 * @example
 * ```ts
 * const { module, relaxed } = await denseKernelModule();
 * const memory = new WebAssembly.Memory({ initial: 16 });
 * const kernels = instantiateDenseKernels(module, memory);
 * ```
 */
export function denseKernelModule(): Promise<DenseKernelModule> {
  compiled ??= (async () => {
    try {
      return { module: await WebAssembly.compile(Uint8Array.fromBase64(DENSE_KERNELS_RELAXED_BASE64)), relaxed: true };
    } catch (error) {
      // A runtime without relaxed SIMD refuses the module; the plain kernels are the fallback.
      if (!(error instanceof WebAssembly.CompileError)) throw error;
      return { module: await WebAssembly.compile(Uint8Array.fromBase64(DENSE_KERNELS_PLAIN_BASE64)), relaxed: false };
    }
  })();
  return compiled;
}

/** The kernels of `module` working on `memory`. */
export function instantiateDenseKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): DenseKernelExports {
  return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as DenseKernelExports;
}

/**
 * Activations as the int8 kernels read them, with one symmetric scale:
 * `codes[i] = round(values[i] / scale)`, `scale = max|v| / 127` (1 when every value is 0).
 * `signed`: some value is negative, so the codes need the plain kernel (the relaxed one reads
 * activations as 0…127).
 *
 * @example
 * ```ts
 * const { scale, signed } = quantizeActivations(row, codes.subarray(0, row.length));
 * ```
 */
export function quantizeActivations(values: Float32Array, codes: Int8Array): { scale: number; signed: boolean } {
  let max = 0, min = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > max) max = v;
    else if (v < min) min = v;
  }
  const scale = Math.max(max, -min) / 127 || 1;
  const inverse = 1 / scale;
  for (let i = 0; i < values.length; i++) codes[i] = Math.round(values[i] * inverse);
  return { scale, signed: min < 0 };
}
