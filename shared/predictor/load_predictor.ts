/**
 * `load()` of the predictor: a checkpoint (a folder, a URL, or files already in memory such as
 * the object store's download) → signature checked against the trust policy (when one is
 * given) → each file's digest verified as it is read → network decoded with fc6–fc8 kept in
 * their stored precision → warmed up (and worker replicas started) → a {@linkcode Predictor}
 * ready to answer.
 *
 * @module
 */
import type { CheckpointFiles } from "../checkpoint/checkpoint_files.ts";
import { folderSource } from "../checkpoint/checkpoint_dir.ts";
import { type CheckpointSource, filesSource, openCheckpoint } from "../checkpoint/checkpoint_source.ts";
import { urlSource } from "../checkpoint/checkpoint_url.ts";
import { decodeInferenceNetwork } from "../codec/decode_inference_network.ts";
import { Predictor, type PredictorOptions } from "./predictor.ts";

/** What {@linkcode loadPredictor} reads: a folder path, an `http(s)://` folder URL, files in memory, or any source. */
export type PredictorSource = string | CheckpointFiles | CheckpointSource;

/** The source a {@linkcode PredictorSource} names. */
export function checkpointSourceOf(source: PredictorSource): CheckpointSource {
  if (source instanceof Map) return filesSource(source);
  if (typeof source !== "string") return source;
  return /^https?:\/\//.test(source) ? urlSource(source) : folderSource(source);
}

/**
 * @example
 * ```ts
 * const predictor = await loadPredictor("runs/cats-dogs/RUN/best");
 * const served = await loadPredictor(await fetchCheckpoint(nc, "cats-dogs"), { workers: 2, trust });
 * const edge = await loadPredictor("https://models.example.com/cats-dogs/V/", { trust });
 * ```
 */
export async function loadPredictor(source: PredictorSource, options: PredictorOptions = {}): Promise<Predictor> {
  const opened = await openCheckpoint(checkpointSourceOf(source), options.trust ?? null);
  const network = await decodeInferenceNetwork(opened, { relaxed: options.relaxedSimd });
  return await Predictor.create(network, opened.manifest, { ...options, source: opened.source });
}
