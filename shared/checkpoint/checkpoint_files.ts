/**
 * Turns an {@linkcode AlexNet} into checkpoint files and back, verifying every digest.
 * A checkpoint is `model.json` (tfjs LayersModel topology + weight manifest, loadable by
 * `tf.loadLayersModel`), 4 MiB weight shards, and `manifest.json`. The same file map is
 * written to a directory or to the NATS object store.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { AlexNet } from "../model/alexnet.ts";
import "../model/build_alexnet.ts"; // registers the custom layer classes for deserialisation
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

/** Manifest fields the caller provides; digests, schema and model shape are filled in. */
export type ManifestInput = Omit<
  CheckpointManifest,
  "schema" | "files" | "arch" | "inputSize" | "groups" | "width" | "weights"
>;

/** The part of a manifest that {@linkcode encodeCheckpoint} takes back (to re-encode a loaded model). */
export function manifestInfo(manifest: CheckpointManifest): ManifestInput {
  const { schema: _s, files: _f, arch: _a, inputSize: _i, groups: _g, width: _w, weights: _q, ...info } = manifest;
  return info;
}

/** The manifest of `model` with `info`, float32 weights and the given file digests. */
export function manifestFor(model: AlexNet, info: ManifestInput, files: Record<string, string>): CheckpointManifest {
  return CheckpointManifestSchema.parse({
    ...info,
    schema: "alexnet-edge/checkpoint@1",
    arch: model.spec.arch,
    inputSize: model.spec.inputSize,
    groups: model.spec.groups,
    width: model.spec.width,
    weights: "float32",
    files,
  });
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

/** `model.json` parsed, with its weight specs and shard names in order. */
export function weightManifest(files: CheckpointFiles): {
  modelJson: Record<string, unknown> & { modelTopology: unknown };
  specs: tf.io.WeightsManifestEntry[];
  paths: string[];
} {
  const modelJson = JSON.parse(new TextDecoder().decode(files.get("model.json")));
  const groups: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] = modelJson.weightsManifest ?? [];
  return { modelJson, specs: groups.flatMap((g) => g.weights), paths: groups.flatMap((g) => g.paths) };
}

/**
 * Serialises `model` and `info` into checkpoint files.
 *
 * @example
 * ```ts
 * const files = await encodeCheckpoint(model, info);
 * await writeCheckpointDir("runs/x/last", files);
 * ```
 */
export async function encodeCheckpoint(model: AlexNet, info: ManifestInput): Promise<CheckpointFiles> {
  if (info.classNames.length !== model.spec.numClasses) {
    throw new CheckpointFormatError(`${info.classNames.length} class names for ${model.spec.numClasses} outputs`);
  }
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.network.save(tf.io.withSaveHandler((a) => {
    artifacts = a;
    return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } });
  }));
  if (!artifacts?.weightData || !artifacts.weightSpecs) throw new CheckpointFormatError("model produced no weights");
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
  const files: CheckpointFiles = new Map();
  const paths = addWeightShards(files, weights);
  const modelJson = {
    format: "layers-model",
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths, weights: artifacts.weightSpecs }],
  };
  files.set("model.json", new TextEncoder().encode(JSON.stringify(modelJson)));
  const manifest = manifestFor(model, info, await digestsOf(files));
  files.set("manifest.json", new TextEncoder().encode(JSON.stringify(manifest, null, 2)));
  return files;
}

/** Parses and checks `manifest.json`, then checks every listed file's sha256. */
export async function verifyCheckpoint(files: CheckpointFiles): Promise<CheckpointManifest> {
  const raw = files.get("manifest.json");
  if (!raw) throw new CheckpointFormatError("checkpoint has no manifest.json");
  let manifest: CheckpointManifest;
  try {
    manifest = CheckpointManifestSchema.parse(JSON.parse(new TextDecoder().decode(raw)));
  } catch (error) {
    throw new CheckpointFormatError(`manifest.json is invalid: ${(error as Error).message}`);
  }
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

/** A verified, loaded checkpoint. */
export interface LoadedCheckpoint {
  manifest: CheckpointManifest;
  model: AlexNet;
}

/** The bytes as an ArrayBuffer of exactly their length (a copy only when they are a view into a larger one). */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes.buffer as ArrayBuffer
    : bytes.slice().buffer;
}

/** Verifies digests, then builds the model from `model.json` and its shards. */
export async function decodeCheckpoint(files: CheckpointFiles): Promise<LoadedCheckpoint> {
  const manifest = await verifyCheckpoint(files);
  const { modelJson, specs: weightSpecs, paths } = weightManifest(files);
  const shards = paths.map((path) => {
    if (!(path in manifest.files)) {
      throw new CheckpointFormatError(`weight shard ${path} is not covered by the manifest`);
    }
    return files.get(path)!;
  });
  // The shards go in as they are (TF.js reads tensors across shard boundaries), rather than
  // first concatenated into one buffer: a 233 MB copy less on every load.
  const network = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs,
    weightData: shards.map(ownBuffer),
  }));
  const model = new AlexNet(network, {
    arch: manifest.arch,
    numClasses: manifest.classNames.length,
    inputSize: manifest.inputSize,
    groups: manifest.groups,
    width: manifest.width,
  });
  return { manifest, model };
}

/** Writes checkpoint files into `dir` (created if needed), manifest last. */
export async function writeCheckpointDir(dir: string, files: CheckpointFiles): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (const [path, bytes] of files) {
    if (path !== "manifest.json") await Deno.writeFile(`${dir}/${path}`, bytes);
  }
  await Deno.writeFile(`${dir}/manifest.json`, files.get("manifest.json")!);
}

/** Reads `manifest.json` and every file it lists from `dir` (not yet verified). */
export async function readCheckpointDir(dir: string): Promise<CheckpointFiles> {
  let raw: Uint8Array;
  try {
    raw = await Deno.readFile(`${dir}/manifest.json`);
  } catch {
    throw new CheckpointFormatError(`${dir} is not a checkpoint: it has no readable manifest.json`);
  }
  const files: CheckpointFiles = new Map([["manifest.json", raw]]);
  let listed: Record<string, string>;
  try {
    listed = JSON.parse(new TextDecoder().decode(raw)).files ?? {};
  } catch {
    throw new CheckpointFormatError(`${dir}/manifest.json is not valid JSON`);
  }
  for (const path of Object.keys(listed)) {
    if (path.includes("/") || path.includes("\\") || path.startsWith(".")) {
      throw new CheckpointFormatError(`manifest lists an unsafe file name: ${path}`);
    }
    try {
      files.set(path, await Deno.readFile(`${dir}/${path}`));
    } catch {
      throw new CheckpointFormatError(`checkpoint file ${dir}/${path} is missing`);
    }
  }
  return files;
}

/** Reads, verifies and loads the checkpoint in `dir`. */
export async function loadCheckpointDir(dir: string): Promise<LoadedCheckpoint> {
  return await decodeCheckpoint(await readCheckpointDir(dir));
}
