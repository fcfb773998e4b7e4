/**
 * Smaller checkpoints: every float32 weight stored as float16 (2× smaller, TF.js's own
 * `quantization` entry), or every kernel as int8 codes with one scale per output channel
 * (about 4× smaller; biases stay float32; `weight_storage.ts` describes the entries). The
 * predictor keeps the fully connected layers in whichever precision the file has — int8 stays
 * int8 in memory. `scheme: "per-tensor"` writes what `quantize --to int8` wrote before
 * (TF.js's `uint8` codes with one scale and minimum per tensor), which every reader still loads.
 *
 * @module
 */
import { CheckpointManifestSchema } from "./checkpoint_manifest.ts";
import { storedBytes } from "./weight_storage.ts";
import {
  addWeightShards,
  type CheckpointFiles,
  CheckpointFormatError,
  concatBytes,
  digestsOf,
  verifyCheckpoint,
  weightManifest,
  type WeightSpec,
} from "./checkpoint_files.ts";

/** How the weights of a checkpoint are stored. */
export const WEIGHT_ENCODINGS = ["float32", "float16", "int8"] as const;
/** One of {@linkcode WEIGHT_ENCODINGS}. */
export type WeightEncoding = typeof WEIGHT_ENCODINGS[number];

/** float32 → IEEE binary16 bits, rounding to nearest even (overflow → ±Inf). */
export function float32ToFloat16Bits(value: number): number {
  const f32 = new Float32Array([value]);
  const x = new Uint32Array(f32.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // underflows to ±0
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1), mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = sign | (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1))) half++;
  return half;
}

/** One scale per output channel (the last axis) and int8 codes in −127…127; `outIn` stores the codes `[outs][ins]`. */
function perChannelCodes(
  values: Float32Array,
  shape: number[],
  outIn: boolean,
): { codes: Int8Array; scales: Float32Array } {
  const channels = shape.at(-1)!;
  const rows = values.length / channels;
  const scales = new Float32Array(channels);
  for (let k = 0; k < values.length; k++) {
    const c = k % channels, m = Math.abs(values[k]);
    if (m > scales[c]) scales[c] = m;
  }
  for (let c = 0; c < channels; c++) scales[c] = scales[c] > 0 ? scales[c] / 127 : 1;
  const codes = new Int8Array(values.length);
  for (let k = 0; k < values.length; k++) {
    const c = k % channels, r = (k - c) / channels;
    codes[outIn ? c * rows + r : k] = Math.round(values[k] / scales[c]);
  }
  return { codes, scales };
}

/** TF.js's per-tensor affine uint8 codes (the earlier int8 format). */
function perTensorCodes(values: Float32Array): { codes: Uint8Array; scale: number; min: number } {
  let min = Infinity, max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const scale = max > min ? (max - min) / 255 : 1;
  const codes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) codes[i] = Math.round((values[i] - min) / scale);
  return { codes, scale, min };
}

/** Options of {@linkcode quantizeCheckpoint}. */
export interface QuantizeOptions {
  /** int8 only: per output channel (default), or the earlier per-tensor affine codes. */
  scheme?: "per-channel" | "per-tensor";
}

/** One weight re-encoded: its specs (int8 adds a scales weight before the codes) and their bytes, in order. */
function encodeWeight(
  spec: WeightSpec,
  bytes: Uint8Array,
  encoding: "float16" | "int8",
  scheme: "per-channel" | "per-tensor",
): [WeightSpec, Uint8Array][] {
  if (spec.dtype !== "float32" || spec.quantization) return [[spec, bytes]];
  const values = new Float32Array(bytes.buffer);
  if (encoding === "float16") {
    const half = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) half[i] = float32ToFloat16Bits(values[i]);
    return [[{ ...spec, quantization: { dtype: "float16" } }, new Uint8Array(half.buffer)]];
  }
  if (scheme === "per-tensor") {
    const { codes, scale, min } = perTensorCodes(values);
    return [[{ ...spec, quantization: { dtype: "uint8", scale, min } }, codes]];
  }
  if (spec.shape.length < 2) return [[spec, bytes]]; // biases stay float32: a few KiB, and exact
  // Scales first, so a reader has them before the codes they scale.
  const outIn = spec.shape.length === 2;
  const { codes, scales } = perChannelCodes(values, spec.shape, outIn);
  const scalesName = `${spec.name}_scales`;
  return [
    [{ name: scalesName, shape: [scales.length], dtype: "float32" }, new Uint8Array(scales.buffer)],
    [
      { name: spec.name, shape: spec.shape, dtype: "int8", scales: scalesName, ...(outIn ? { layout: "out-in" } : {}) },
      new Uint8Array(codes.buffer),
    ],
  ];
}

/**
 * Re-encodes a checkpoint's float32 weights; the manifest records `weights` (and, for int8, its
 * `quantization` scheme) and the new digests, and the version gains a suffix (`-f16`, `-i8`) so
 * both can live side by side.
 *
 * @example
 * ```ts
 * const small = await quantizeCheckpoint(await readCheckpointDir("runs/x/best"), "int8");
 * ```
 */
export async function quantizeCheckpoint(
  files: CheckpointFiles,
  encoding: WeightEncoding,
  options: QuantizeOptions = {},
): Promise<CheckpointFiles> {
  const manifest = await verifyCheckpoint(files);
  if (encoding === "float32") return files;
  if (manifest.weights !== "float32") {
    throw new CheckpointFormatError(`the checkpoint is already ${manifest.weights}; quantize the float32 original`);
  }
  const scheme = options.scheme ?? "per-channel";
  const { modelJson, specs: originalSpecs, paths: originalPaths } = weightManifest(files);
  const all = concatBytes(originalPaths.map((p) => files.get(p)!));
  const encoded: [WeightSpec, Uint8Array][] = [];
  let offset = 0;
  for (const spec of originalSpecs) {
    const size = storedBytes(spec);
    encoded.push(...encodeWeight(spec, all.slice(offset, offset + size), encoding, scheme));
    offset += size;
  }
  const out: CheckpointFiles = new Map();
  const paths = addWeightShards(out, concatBytes(encoded.map(([, bytes]) => bytes)));
  const weightsManifest = [{ paths, weights: encoded.map(([spec]) => spec) }];
  out.set("model.json", new TextEncoder().encode(JSON.stringify({ ...modelJson, weightsManifest })));
  const next = CheckpointManifestSchema.parse({
    ...manifest,
    version: `${manifest.version}-${encoding === "float16" ? "f16" : "i8"}`,
    weights: encoding,
    ...(encoding === "int8" ? { quantization: scheme } : {}),
    files: await digestsOf(out),
  });
  out.set("manifest.json", new TextEncoder().encode(JSON.stringify(next, null, 2)));
  return out;
}
