/**
 * `load()` for command lines: the checkpoint a user names — a checkpoint folder, an
 * `http(s)://` folder URL, or `NAME[@VERSION]` fetched by the caller's `fetchNamed` (from the
 * object store, when a NATS URL is given) — loaded as a predictor, with one line saying which
 * model it is. A checkpoint that cannot be used is one line and exit 2, not a stack trace.
 *
 * @module
 */
import type { CheckpointFiles } from "../checkpoint/checkpoint_files.ts";
import { asCheckpointUsageError } from "../checkpoint/checkpoint_usage_error.ts";
import { UsageError } from "../cli/usage_error.ts";
import { loadPredictor, type PredictorSource } from "./load_predictor.ts";
import type { Predictor, PredictorOptions } from "./predictor.ts";

/** Where {@linkcode openPredictor} looks and what it says. */
export interface OpenOptions extends PredictorOptions {
  /** Fetches `NAME[@VERSION]` (e.g. from NATS's object store); without it the reference must be a folder or URL. */
  fetchNamed?: ((ref: string) => Promise<CheckpointFiles>) | null;
  /** What to tell a user who named a checkpoint without `fetchNamed` (default: add --nats URL). */
  fetchHint?: string;
  /** Where the "model …" line goes (default stderr). */
  log?: (line: string) => void;
}

/**
 * @example
 * ```ts
 * const predictor = await openPredictor("runs/cats-dogs/RUN/best");
 * const named = await openPredictor("cats-dogs@V", { fetchNamed: (ref) => downloadCheckpoint(url, ref) });
 * ```
 */
export async function openPredictor(ref: string, options: OpenOptions = {}): Promise<Predictor> {
  const predictor = await sourceOf(ref, options).then((source) => loadPredictor(source, options)).catch(
    (error) => {
      throw asCheckpointUsageError(ref, error);
    },
  );
  const m = predictor.manifest;
  (options.log ?? ((line: string) => console.error(line)))(
    `model ${m.name}@${m.version} (${m.arch}, ${m.inputSize}px, ${m.classNames.length} classes, ${m.weights} weights)`,
  );
  return predictor;
}

async function sourceOf(ref: string, options: OpenOptions): Promise<PredictorSource> {
  if (/^https?:\/\//.test(ref)) return ref;
  const isDir = await Deno.stat(ref).then((s) => s.isDirectory, () => false);
  if (isDir) return ref;
  if (!options.fetchNamed) {
    throw new UsageError(
      `${ref} is not a checkpoint folder; ${options.fetchHint ?? "to fetch NAME[@VERSION] from NATS add --nats URL"}`,
    );
  }
  return await options.fetchNamed(ref);
}
