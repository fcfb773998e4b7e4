/**
 * Loads a checkpoint named on a command line: a checkpoint folder, or `NAME[@VERSION]` from
 * the object store when a NATS connection is given.
 *
 * @module
 */
import type { NatsConnection } from "nats";
import { decodeCheckpoint, loadCheckpointDir, type LoadedCheckpoint } from "../checkpoint/checkpoint_files.ts";
import { UsageError } from "../cli/usage_error.ts";
import { fetchCheckpoint } from "./checkpoint_store.ts";

/**
 * @example
 * ```ts
 * const { model, manifest } = await resolveCheckpoint("cats-dogs@20261129T115922Z-c22d-e010", nc);
 * ```
 */
export async function resolveCheckpoint(ref: string, nats?: NatsConnection): Promise<LoadedCheckpoint> {
  const isDir = await Deno.stat(ref).then((s) => s.isDirectory, () => false);
  if (isDir) return await loadCheckpointDir(ref);
  if (!nats) {
    throw new UsageError(`${ref} is not a checkpoint folder; to fetch NAME[@VERSION] from NATS add --nats URL`);
  }
  const [name, version] = ref.split("@");
  return await decodeCheckpoint(await fetchCheckpoint(nats, name, version || undefined));
}
