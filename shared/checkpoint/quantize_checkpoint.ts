/**
 * Smaller checkpoints: every float32 weight stored as float16 (2× smaller) or as 8-bit
 * affine codes with a per-tensor scale and minimum (4× smaller). The result is a normal
 * checkpoint: `model.json` carries TF.js's own `quantization` entries, so `tf.loadLayersModel`
 * (and every reader here) dequantizes on load; only the files shrink, not the model in memory.
 *
 * @module
 */
import { CheckpointManifestSchema } from "./checkpoint_manifest.ts";
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

/**
 * Re-encodes a checkpoint's float32 weights; the manifest records `weights` and the new
 * digests, and the version gains a suffix (`-f16`, `-i8`) so both can live side by side.
 *
 * @example
 * ```ts
 * const small = await quantizeCheckpoint(await readCheckpointDir("runs/x/best"), "int8");
 * ```
 */
export async function quantizeCheckpoint(files: CheckpointFiles, encoding: WeightEncoding): Promise<CheckpointFiles> {
  const manifest = await verifyCheckpoint(files);
  if (encoding === "float32") return files;
  if (manifest.weights !== "float32") {
    throw new CheckpointFormatError(`the checkpoint is already ${manifest.weights}; quantize the float32 original`);
  }
  const { modelJson, specs: originalSpecs, paths: originalPaths } = weightManifest(files);
  const all = concatBytes(originalPaths.map((p) => files.get(p)!));
  const specs: WeightSpec[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const spec of originalSpecs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.dtype !== "float32" || spec.quantization) {
      const bytes = all.slice(offset, offset + count * 4);
      offset += count * 4;
      specs.push(spec);
      parts.push(bytes);
      continue;
    }
    const values = new Float32Array(all.buffer.slice(offset, offset + count * 4));
    offset += count * 4;
    if (encoding === "float16") {
      const half = new Uint16Array(count);
      for (let i = 0; i < count; i++) half[i] = float32ToFloat16Bits(values[i]);
      parts.push(new Uint8Array(half.buffer));
      specs.push({ ...spec, quantization: { dtype: "float16" } });
    } else {
      let min = Infinity, max = -Infinity;
      for (const v of values) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const scale = max > min ? (max - min) / 255 : 1;
      const codes = new Uint8Array(count);
      for (let i = 0; i < count; i++) codes[i] = Math.round((values[i] - min) / scale);
      parts.push(codes);
      specs.push({ ...spec, quantization: { dtype: "uint8", scale, min } });
    }
  }
  const out: CheckpointFiles = new Map();
  const paths = addWeightShards(out, concatBytes(parts));
  out.set(
    "model.json",
    new TextEncoder().encode(JSON.stringify({ ...modelJson, weightsManifest: [{ paths, weights: specs }] })),
  );
  const digests = await digestsOf(out);
  const next = CheckpointManifestSchema.parse({
    ...manifest,
    version: `${manifest.version}-${encoding === "float16" ? "f16" : "i8"}`,
    weights: encoding,
    files: digests,
  });
  out.set("manifest.json", new TextEncoder().encode(JSON.stringify(next, null, 2)));
  return out;
}
