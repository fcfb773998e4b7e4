/**
 * The checkpoint a command line names: a checkpoint folder, or `NAME[@VERSION]` from the
 * object store when a NATS connection is given. Returns its files for `loadPredictor`, which
 * verifies every digest before decoding.
 *
 * @module
 */
import type { NatsConnection } from "nats";
import { fetchCheckpoint } from "../bus/checkpoint_store.ts";
import type { CheckpointFiles } from "../checkpoint/checkpoint_files.ts";
import { readCheckpointDir } from "../checkpoint/checkpoint_dir.ts";
import { UsageError } from "../cli/usage_error.ts";

/**
 * @example
 * ```ts
 * const predictor = await loadPredictor(await resolveCheckpoint("cats-dogs@20261129T115922Z-c22d-e010", nc));
 * ```
 */
export async function resolveCheckpoint(ref: string, nats?: NatsConnection): Promise<CheckpointFiles> {
  const isDir = await Deno.stat(ref).then((s) => s.isDirectory, () => false);
  if (isDir) return await readCheckpointDir(ref);
  if (!nats) {
    throw new UsageError(`${ref} is not a checkpoint folder; to fetch NAME[@VERSION] from NATS add --nats URL`);
  }
  const [name, version] = ref.split("@");
  return await fetchCheckpoint(nats, name, version || undefined);
}
