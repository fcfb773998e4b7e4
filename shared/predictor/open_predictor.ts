/**
 * `load()` for command lines: the checkpoint a user names — a checkpoint folder, or
 * `NAME[@VERSION]` from the object store when a NATS URL is given — loaded as a predictor,
 * with one line saying which model it is.
 *
 * @module
 */
import { fetchCheckpoint } from "../bus/checkpoint_store.ts";
import type { BusIdentity } from "../bus/bus_identity.ts";
import { connectBus } from "../bus/connect_bus.ts";
import type { CheckpointFiles } from "../checkpoint/checkpoint_files.ts";
import { readCheckpointDir } from "../checkpoint/checkpoint_dir.ts";
import { asCheckpointUsageError } from "../checkpoint/checkpoint_usage_error.ts";
import { UsageError } from "../cli/usage_error.ts";
import { loadPredictor } from "./load_predictor.ts";
import type { Predictor, PredictorOptions } from "./predictor.ts";

/** Where {@linkcode openPredictor} looks and what it says. */
export interface OpenOptions extends PredictorOptions {
  /** NATS to fetch `NAME[@VERSION]` from; without it the reference must be a folder. */
  nats?: string | null;
  /** NATS client name (shows in the server's connection list). */
  client?: string;
  /** Who to be on NATS (any role that may read checkpoints). */
  natsIdentity?: BusIdentity;
  /** Where the "model …" line goes (default stderr). */
  log?: (line: string) => void;
}

/**
 * @example
 * ```ts
 * const predictor = await openPredictor("cats-dogs@20261129T115922Z-c22d-e010", { nats: "nats://127.0.0.1:4222" });
 * ```
 */
export async function openPredictor(ref: string, options: OpenOptions = {}): Promise<Predictor> {
  // A checkpoint that cannot be used (no manifest, a wrong digest, a refused signature) is the caller's mistake.
  const predictor = await checkpointFiles(ref, options).then((files) => loadPredictor(files, options)).catch(
    (error) => {
      throw asCheckpointUsageError(ref, error);
    },
  );
  const m = predictor.manifest;
  (options.log ?? ((line: string) => console.error(line)))(
    `model ${m.name}@${m.version} (${m.arch}, ${m.inputSize}px, ${m.classNames.length} classes)`,
  );
  return predictor;
}

async function checkpointFiles(ref: string, options: OpenOptions): Promise<CheckpointFiles> {
  const isDir = await Deno.stat(ref).then((s) => s.isDirectory, () => false);
  if (isDir) return await readCheckpointDir(ref);
  if (!options.nats) {
    throw new UsageError(`${ref} is not a checkpoint folder; to fetch NAME[@VERSION] from NATS add --nats URL`);
  }
  const [name, version] = ref.split("@");
  const nc = await connectBus(options.nats, options.client ?? "alexnet-cli", options.natsIdentity);
  try {
    return await fetchCheckpoint(nc, name, version || undefined);
  } finally {
    await nc.close();
  }
}
