/**
 * How one weight of `model.json`'s weights manifest is stored in the shards, and its values as
 * float32. Four ways occur:
 *
 * - `float32`: TF.js's own, 4 bytes a value.
 * - `float16`: TF.js's `quantization: {dtype: "float16"}`, 2 bytes a value.
 * - `uint8-affine`: TF.js's `quantization: {dtype: "uint8", scale, min}`, one scale and minimum
 *   for the whole tensor (`value = scale·code + min`); what `quantize --to int8` wrote before
 *   per-channel codes.
 * - `int8-channel`: this project's per-output-channel symmetric codes, `dtype: "int8"` with
 *   `scales` naming a float32 entry of one scale per output channel (`value = scale[c]·code`).
 *   Convolution kernels keep TF.js's HWIO order (the channel is the last axis); fully connected
 *   kernels are stored `layout: "out-in"`, one row of `ins` codes per output channel — the rows
 *   the int8 kernel multiplies. TF.js's own loader does not read these entries; this project's
 *   readers do.
 *
 * @module
 */
import { CheckpointFormatError, concatBytes, type WeightSpec } from "./checkpoint_files.ts";

/** One of the four ways a weight is stored. */
export type WeightStorage = "float32" | "float16" | "uint8-affine" | "int8-channel";

/** How `spec` is stored; anything else is a {@linkcode CheckpointFormatError}. */
export function weightStorage(spec: WeightSpec): WeightStorage {
  if (spec.dtype === "int8") {
    if (!spec.scales) throw new CheckpointFormatError(`weight ${spec.name} has int8 codes but no scales entry`);
    return "int8-channel";
  }
  if (spec.dtype !== "float32") {
    throw new CheckpointFormatError(`weight ${spec.name} has unsupported dtype ${spec.dtype}`);
  }
  const q = spec.quantization;
  if (!q) return "float32";
  if (q.dtype === "float16") return "float16";
  if (q.dtype === "uint8" && typeof q.scale === "number" && typeof q.min === "number") return "uint8-affine";
  throw new CheckpointFormatError(`weight ${spec.name} has unsupported quantization ${JSON.stringify(q)}`);
}

/** Number of values of `spec`. */
export function valueCount(spec: WeightSpec): number {
  return spec.shape.reduce((a, b) => a * b, 1);
}

/** Bytes `spec` takes in the shards. */
export function storedBytes(spec: WeightSpec): number {
  const perValue = { "float32": 4, "float16": 2, "uint8-affine": 1, "int8-channel": 1 }[weightStorage(spec)];
  return valueCount(spec) * perValue;
}

/** float16 bits → float32 values (subnormals, infinities and NaN included). */
export function float16BitsToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i];
    const exponent = (b >> 10) & 0x1f, mantissa = b & 0x3ff;
    const magnitude = exponent === 0
      ? mantissa * 2 ** -24
      : exponent === 0x1f
      ? (mantissa ? NaN : Infinity)
      : (1 + mantissa / 1024) * 2 ** (exponent - 15);
    out[i] = b & 0x8000 ? -magnitude : magnitude;
  }
  return out;
}

/** `bytes` as a buffer typed views of `width`-byte values can read: itself when aligned, else a copy. */
function aligned(bytes: Uint8Array, width: number): { buffer: ArrayBuffer; offset: number } {
  return bytes.byteOffset % width === 0
    ? { buffer: bytes.buffer as ArrayBuffer, offset: bytes.byteOffset }
    : { buffer: bytes.slice().buffer, offset: 0 };
}

/**
 * The float32 values of one weight from its stored bytes, in TF.js's order (an `out-in` fully
 * connected kernel comes back transposed to `[ins][outs]`). `scales` resolves an
 * `int8-channel` entry's scales by name. float32 values may be a view of `bytes` (no copy).
 *
 * @example
 * ```ts
 * const values = weightValues(spec, bytes, (name) => decoded.get(name)!);
 * ```
 */
export function weightValues(
  spec: WeightSpec,
  bytes: Uint8Array,
  scales: (name: string) => Float32Array,
): Float32Array {
  const count = valueCount(spec);
  if (bytes.byteLength !== storedBytes(spec)) {
    throw new CheckpointFormatError(`weight ${spec.name} has ${bytes.byteLength} bytes, expected ${storedBytes(spec)}`);
  }
  switch (weightStorage(spec)) {
    case "float32": {
      const { buffer, offset } = aligned(bytes, 4);
      return new Float32Array(buffer, offset, count);
    }
    case "float16": {
      const { buffer, offset } = aligned(bytes, 2);
      return float16BitsToFloat32(new Uint16Array(buffer, offset, count));
    }
    case "uint8-affine": {
      const { scale, min } = spec.quantization as { scale: number; min: number };
      return Float32Array.from(bytes, (code) => code * scale + min);
    }
    case "int8-channel": {
      const codes = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const perChannel = scales(spec.scales!);
      const channels = spec.shape.at(-1)!;
      if (perChannel.length !== channels) {
        throw new CheckpointFormatError(`weight ${spec.name} has ${channels} channels but ${perChannel.length} scales`);
      }
      const out = new Float32Array(count);
      if (spec.layout === "out-in") {
        const ins = count / channels;
        for (let o = 0; o < channels; o++) {
          for (let i = 0; i < ins; i++) out[i * channels + o] = codes[o * ins + i] * perChannel[o];
        }
      } else {
        for (let k = 0; k < count; k++) out[k] = codes[k] * perChannel[k % channels];
      }
      return out;
    }
  }
}

/**
 * The weights as TF.js's own loader reads them: per-channel int8 entries become float32 (and
 * their scales entries go); everything else passes through. For code that needs the whole
 * network as TF.js layers — training from a checkpoint, re-encoding — not for inference.
 *
 * @example
 * ```ts
 * const { specs, shards } = tfjsReadableWeights(specs, shards);
 * ```
 */
export function tfjsReadableWeights(
  specs: WeightSpec[],
  shards: Uint8Array[],
): { specs: WeightSpec[]; shards: Uint8Array[] } {
  if (!specs.some((s) => s.dtype === "int8")) return { specs, shards };
  const all = concatBytes(shards);
  const bytesOf = new Map<string, Uint8Array>();
  let offset = 0;
  for (const spec of specs) {
    const size = storedBytes(spec);
    if (offset + size > all.length) throw new CheckpointFormatError(`the weight shards end inside ${spec.name}`);
    bytesOf.set(spec.name, all.subarray(offset, offset + size));
    offset += size;
  }
  const scaleNames = new Set(specs.flatMap((s) => (s.scales ? [s.scales] : [])));
  const values = new Map<string, Float32Array>();
  const valuesOf = (name: string): Float32Array => {
    let v = values.get(name);
    if (!v) {
      const spec = specs.find((s) => s.name === name);
      if (!spec) throw new CheckpointFormatError(`model.json has no weight ${name}`);
      v = weightValues(spec, bytesOf.get(name)!, valuesOf);
      values.set(name, v);
    }
    return v;
  };
  const out: WeightSpec[] = [];
  const parts: Uint8Array[] = [];
  for (const spec of specs) {
    if (scaleNames.has(spec.name)) continue;
    if (spec.dtype === "int8") {
      const { scales: _scales, layout: _layout, ...rest } = spec;
      out.push({ ...rest, dtype: "float32" });
      parts.push(new Uint8Array(valuesOf(spec.name).buffer));
    } else {
      out.push(spec);
      parts.push(bytesOf.get(spec.name)!);
    }
  }
  return { specs: out, shards: [concatBytes(parts)] };
}
