/**
 * {@linkcode ModelRegistry} over NATS: versions and manifests from the checkpoint object
 * store, the pin from the `alexnet-models` KV bucket.
 *
 * @module
 */
import type { NatsConnection } from "nats";
import {
  fetchCheckpointManifest,
  listCheckpointVersions,
  modelPins,
  pinnedVersion,
  promoteVersion,
  rollbackPin,
} from "../../shared/bus/mod.ts";
import type { CheckpointEntry, ModelRegistry } from "./model_api.ts";

/** The listing shows at most this many of the newest versions. */
const LIST_LIMIT = 60;

/**
 * @example
 * ```ts
 * const registry = await natsModelRegistry(nc, "cats-dogs");
 * ```
 */
export async function natsModelRegistry(nc: NatsConnection, name: string): Promise<ModelRegistry> {
  const kv = await modelPins(nc);
  const manifests = new Map<string, CheckpointEntry>();
  return {
    name,
    async list() {
      const versions = (await listCheckpointVersions(nc, name)).slice(-LIST_LIMIT);
      const entries: CheckpointEntry[] = [];
      for (const version of versions) {
        let entry = manifests.get(version);
        if (!entry) {
          const m = await fetchCheckpointManifest(nc, name, version);
          entry = { version, createdAt: m.createdAt, metrics: m.metrics };
          manifests.set(version, entry);
        }
        entries.push(entry);
      }
      return entries;
    },
    pinned: () => pinnedVersion(kv, name),
    promote: (version) => promoteVersion(kv, name, version),
    rollback: async () => (await rollbackPin(kv, name))[1],
  };
}
