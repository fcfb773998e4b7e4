/**
 * WebAssembly text → a compiled `WebAssembly.Module`, by `wabt` (the WebAssembly Binary
 * Toolkit's own parser built for JavaScript). Kernels stay readable text in the repository,
 * with no build step and no committed binary. Also the one place that knows whether this
 * runtime runs relaxed SIMD (`i32x4.relaxed_dot_i8x16_i7x16_add_s` and friends).
 *
 * @module
 */
import initWabt from "wabt";

/** Which WebAssembly proposals a text module uses. */
export interface WatFeatures {
  simd?: boolean;
  relaxedSimd?: boolean;
}

/** Compiles one text module (with the toolkit `withWabt` started). */
export type WatCompiler = (name: string, text: string, features?: WatFeatures) => Promise<WebAssembly.Module>;

/**
 * Starts the toolkit, lets `use` compile any number of modules, then lets it go: the toolkit's
 * own memory (tens of MiB) is not kept for the life of the process.
 *
 * @example
 * ```ts
 * const module = await withWabt((compile) => compile("add.wat", text));
 * ```
 */
export async function withWabt<T>(use: (compile: WatCompiler) => Promise<T>): Promise<T> {
  const wabt = await initWabt();
  return await use(async (name, text, features = {}) =>
    await WebAssembly.compile(binaryOf(wabt, name, text, features))
  );
}

type Wabt = Awaited<ReturnType<typeof initWabt>>;

function binaryOf(wabt: Wabt, name: string, text: string, features: WatFeatures): Uint8Array<ArrayBuffer> {
  const parsed = wabt.parseWat(name, text, {
    simd: features.simd ?? true,
    relaxed_simd: features.relaxedSimd ?? false,
  });
  try {
    parsed.validate();
    return new Uint8Array(parsed.toBinary({}).buffer);
  } finally {
    parsed.destroy();
  }
}

/**
 * WebAssembly text → the binary module's bytes (not compiled), e.g. to commit a kernel
 * precompiled.
 */
export async function watToBinary(name: string, text: string, features: WatFeatures = {}): Promise<Uint8Array> {
  return binaryOf(await initWabt(), name, text, features);
}

/**
 * Parses, validates and compiles WebAssembly text.
 *
 * @example
 * ```ts
 * const module = await compileWat("add.wat", `(module (func (export "one") (result i32) (i32.const 1)))`);
 * ```
 */
export function compileWat(name: string, text: string, features: WatFeatures = {}): Promise<WebAssembly.Module> {
  return withWabt((compile) => compile(name, text, features));
}

/**
 * IEEE binary16 bits (one per 32-bit lane) → float32, as a WebAssembly text function
 * `$widen_f16`: the 15 bits below the sign, shifted to the top of a float32's exponent and
 * mantissa and multiplied by 2¹¹², give the value (zeros and subnormals included; float16
 * infinities and NaNs do not occur in weights or embeddings), then the sign is put back.
 * Shared by every kernel that reads float16.
 */
export const WIDEN_F16_WAT = `(func $widen_f16 (param $bits v128) (result v128)
    (v128.or
      (f32x4.mul
        (i32x4.shl (v128.and (local.get $bits) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13))
        (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112))
      (i32x4.shl (v128.and (local.get $bits) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)) (i32.const 16))))`;
