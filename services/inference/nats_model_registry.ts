/**
 * {@linkcode ModelRegistry} over NATS: versions and manifests from the checkpoint object
 * store, the pin from the `alexnet-models` KV bucket.
 *
 * @module
 */
import {
  fetchCheckpointManifest,
  isPermissionViolation,
  listCheckpointVersions,
  modelPins,
  type NatsConnection,
  NoEarlierPinError,
  pinnedVersion,
  promoteVersion,
  rollbackPin,
} from "../../shared/bus/mod.ts";
import {
  type CheckpointEntry,
  type ModelRegistry,
  NothingToRollBackError,
  PinsForbiddenError,
} from "./version_routes.ts";

/** The listing shows at most this many of the newest versions. */
const LIST_LIMIT = 60;

/** Pins change through `admin` when given (its own identity), else through `nc`. */
async function changingPins<T>(change: () => Promise<T>, separateAdmin: boolean): Promise<T> {
  try {
    return await change();
  } catch (error) {
    if (error instanceof NoEarlierPinError) throw new NothingToRollBackError(error.message);
    if (isPermissionViolation(error)) {
      throw new PinsForbiddenError(
        separateAdmin
          ? "NATS refused the admin identity's change of the pin (check its permissions)"
          : "this replica's NATS identity may not change pins: start it with an admin identity " +
            "(--admin-nats-nkey or --admin-nats-creds), or pin with `deno task models promote` as the admin",
      );
    }
    throw error;
  }
}

/**
 * Reads through `nc`; promote and rollback write through `admin` when one is given (a second
 * connection as the admin role, so the serving identity itself cannot change pins).
 *
 * @example
 * ```ts
 * const registry = await natsModelRegistry(nc, "cats-dogs");
 * ```
 */
export async function natsModelRegistry(
  nc: NatsConnection,
  name: string,
  admin?: NatsConnection,
): Promise<ModelRegistry> {
  const kv = await modelPins(nc);
  const pins = admin ? await modelPins(admin) : kv;
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
    promote: (version) => changingPins(() => promoteVersion(pins, name, version), !!admin),
    rollback: () => changingPins(async () => (await rollbackPin(pins, name))[1], !!admin),
  };
}
