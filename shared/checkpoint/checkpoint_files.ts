/**
 * A checkpoint as bytes: file name → contents, the sha256 of every file, the weight shards,
 * and verification against `manifest.json` (DESIGN.md, "Checkpoint format"). No network is
 * built here and TensorFlow.js is never loaded: the bus, admin commands and the codec all
 * stand on this layer.
 *
 * @module
 */
import { type CheckpointManifest, CheckpointManifestSchema } from "./checkpoint_manifest.ts";

/** File name → bytes. */
export type CheckpointFiles = Map<string, Uint8Array>;

/** A checkpoint whose files do not match the digests in its manifest. */
export class CheckpointDigestError extends Error {
  override name = "CheckpointDigestError";
}

/** A checkpoint with missing or malformed files. */
export class CheckpointFormatError extends Error {
  override name = "CheckpointFormatError";
}

/** Weight shard size (TF.js's converter uses 4 MiB too). */
export const SHARD_BYTES = 4 * 1024 * 1024;

/** Lower-case hex sha256. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Manifest fields the caller provides; digests, schema and model shape are filled in by the codec. */
export type ManifestInput = Omit<
  CheckpointManifest,
  "schema" | "files" | "arch" | "inputSize" | "groups" | "width" | "weights"
>;

/** The part of a manifest that the codec's `encodeCheckpoint` takes back (to re-encode a loaded model). */
export function manifestInfo(manifest: CheckpointManifest): ManifestInput {
  const { schema: _s, files: _f, arch: _a, inputSize: _i, groups: _g, width: _w, weights: _q, ...info } = manifest;
  return info;
}

/** One buffer holding `parts` back to back. */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** Splits `weights` into {@linkcode SHARD_BYTES} shard files in `files`; returns their names in order. */
export function addWeightShards(files: CheckpointFiles, weights: Uint8Array): string[] {
  const count = Math.max(1, Math.ceil(weights.byteLength / SHARD_BYTES));
  const paths = Array.from({ length: count }, (_, i) => `group1-shard${i + 1}of${count}.bin`);
  paths.forEach((path, i) => files.set(path, weights.slice(i * SHARD_BYTES, (i + 1) * SHARD_BYTES)));
  return paths;
}

/** sha256 of every file (the manifest's `files`). */
export async function digestsOf(files: CheckpointFiles): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  for (const [path, bytes] of files) digests[path] = await sha256Hex(bytes);
  return digests;
}

/**
 * One weight of `model.json`'s weights manifest, as TF.js writes it (`tf.io.WeightsManifestEntry`):
 * float32 values, or codes with TF.js's `quantization` entry that every loader dequantizes — or
 * this project's per-channel int8 codes (`weight_storage.ts`).
 */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
  /** int8 codes: the float32 entry holding one scale per output channel. */
  scales?: string;
  /** A fully connected kernel's codes stored one row per output channel (`[outs][ins]`). */
  layout?: "out-in";
}

/** `model.json` parsed, with its weight specs and shard names in order. */
export function weightManifest(files: CheckpointFiles): {
  modelJson: Record<string, unknown> & { modelTopology: unknown };
  specs: WeightSpec[];
  paths: string[];
} {
  const raw = files.get("model.json");
  if (!raw) throw new CheckpointFormatError("checkpoint has no model.json");
  const modelJson = JSON.parse(new TextDecoder().decode(raw));
  const groups: { paths: string[]; weights: WeightSpec[] }[] = modelJson.weightsManifest ?? [];
  return { modelJson, specs: groups.flatMap((g) => g.weights), paths: groups.flatMap((g) => g.paths) };
}

/** `manifest.json` parsed and checked against the schema (digests not checked: {@linkcode verifyCheckpoint}). */
export function parseManifest(files: CheckpointFiles): CheckpointManifest {
  const raw = files.get("manifest.json");
  if (!raw) throw new CheckpointFormatError("checkpoint has no manifest.json");
  try {
    return CheckpointManifestSchema.parse(JSON.parse(new TextDecoder().decode(raw)));
  } catch (error) {
    throw new CheckpointFormatError(`manifest.json is invalid: ${(error as Error).message}`);
  }
}

/**
 * Parses and checks `manifest.json`, then checks every listed file's sha256.
 *
 * @example
 * ```ts
 * const manifest = await verifyCheckpoint(await readCheckpointDir("runs/x/best"));
 * ```
 */
export async function verifyCheckpoint(files: CheckpointFiles): Promise<CheckpointManifest> {
  const manifest = parseManifest(files);
  if (!("model.json" in manifest.files)) throw new CheckpointFormatError("manifest.json does not list model.json");
  const listed = Object.entries(manifest.files);
  for (const [path] of listed) {
    if (!files.has(path)) throw new CheckpointFormatError(`checkpoint file ${path} is missing`);
  }
  // All digests at once: Deno hashes off the main thread, so the shards are hashed in parallel.
  const digests = await Promise.all(listed.map(([path]) => sha256Hex(files.get(path)!)));
  for (const [i, [path, expected]] of listed.entries()) {
    const actual = digests[i];
    if (actual !== expected) {
      throw new CheckpointDigestError(
        `checkpoint file ${path} has sha256 ${actual.slice(0, 12)}…, manifest says ${expected.slice(0, 12)}…; ` +
          `the checkpoint is corrupt or was modified — re-download or re-export it`,
      );
    }
  }
  return manifest;
}
