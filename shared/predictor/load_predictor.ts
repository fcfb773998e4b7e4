/**
 * `load()` of the predictor: checkpoint files (from a folder, the object store or memory) →
 * signature checked against the trust policy (when one is given) → digests verified → network
 * decoded → warmed up (and worker replicas started) → a {@linkcode Predictor} ready to answer.
 *
 * @module
 */
import type { CheckpointFiles } from "../checkpoint/checkpoint_files.ts";
import { readCheckpointDir } from "../checkpoint/checkpoint_dir.ts";
import { checkSignature } from "../checkpoint/checkpoint_signature.ts";
import { decodeCheckpoint } from "../checkpoint/codec/checkpoint_codec.ts";
import { Predictor, type PredictorOptions } from "./predictor.ts";

/**
 * @example
 * ```ts
 * const predictor = await loadPredictor("runs/cats-dogs/RUN/best");
 * const served = await loadPredictor(await fetchCheckpoint(nc, "cats-dogs"), { workers: 2 });
 * ```
 */
export async function loadPredictor(
  source: CheckpointFiles | string,
  options: PredictorOptions = {},
): Promise<Predictor> {
  const files = typeof source === "string" ? await readCheckpointDir(source) : source;
  if (options.trust) await checkSignature(files, options.trust);
  const { model, manifest } = await decodeCheckpoint(files);
  return await Predictor.create(model, manifest, options);
}
