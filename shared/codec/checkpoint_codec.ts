/**
 * The checkpoint codec: an {@linkcode AlexNet} to checkpoint files and back. `model.json` is a
 * TF.js LayersModel (topology + weight manifest, loadable by `tf.loadLayersModel`), the weights
 * go into 4 MiB shards, and `manifest.json` carries everything else. Decoding verifies every
 * digest first (the byte layer's `verifyCheckpoint`).
 *
 * @module
 */
import * as tf from "../backend/tensorflow.ts";
import { AlexNet } from "../model/alexnet.ts";
import "../model/build_alexnet.ts"; // registers the custom layer classes for deserialisation
import { type CheckpointManifest, CheckpointManifestSchema } from "../checkpoint/checkpoint_manifest.ts";
import {
  addWeightShards,
  type CheckpointFiles,
  CheckpointFormatError,
  digestsOf,
  type ManifestInput,
  verifyCheckpoint,
  weightManifest,
} from "../checkpoint/checkpoint_files.ts";
import { readCheckpointDir } from "../checkpoint/checkpoint_dir.ts";
import { tfjsReadableWeights } from "../checkpoint/weight_storage.ts";

/** A verified, decoded checkpoint: the network and its manifest. */
export interface LoadedCheckpoint {
  manifest: CheckpointManifest;
  model: AlexNet;
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

/** The bytes as an ArrayBuffer of exactly their length (a copy only when they are a view into a larger one). */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes.buffer as ArrayBuffer
    : bytes.slice().buffer;
}

/**
 * Verifies digests, then builds the model from `model.json` and its shards, all as TF.js
 * layers in float32 (for training and re-encoding; inference reads a checkpoint with
 * `decodeInferenceNetwork`, which keeps fc6–fc8 in their stored precision).
 *
 * @example
 * ```ts
 * const { manifest, model } = await decodeCheckpoint(await readCheckpointDir("runs/x/best"));
 * ```
 */
export async function decodeCheckpoint(files: CheckpointFiles): Promise<LoadedCheckpoint> {
  const manifest = await verifyCheckpoint(files);
  const { modelJson, specs: weightSpecs, paths } = weightManifest(files);
  const stored = paths.map((path) => {
    if (!(path in manifest.files)) {
      throw new CheckpointFormatError(`weight shard ${path} is not covered by the manifest`);
    }
    return files.get(path)!;
  });
  // Per-channel int8 codes become float32 here (TF.js's loader does not know them); the shards of
  // other checkpoints go in as they are (TF.js reads tensors across shard boundaries).
  const { specs, shards } = tfjsReadableWeights(weightSpecs, stored);
  const network = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: modelJson.modelTopology as tf.io.ModelJSON["modelTopology"],
    weightSpecs: specs as tf.io.WeightsManifestEntry[],
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

/** Reads, verifies and decodes the checkpoint in `dir`. */
export async function loadCheckpointDir(dir: string): Promise<LoadedCheckpoint> {
  return await decodeCheckpoint(await readCheckpointDir(dir));
}
