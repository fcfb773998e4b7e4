/**
 * Which version each model name serves: the KV bucket `alexnet-models`, key = model name,
 * value = version. Keeps history so a pin can be rolled back.
 *
 * @module
 */
import type { KV, NatsConnection } from "nats";
import { MODELS_BUCKET } from "./subjects.ts";

/** Opens (creating if needed) the pins bucket. */
export async function modelPins(nc: NatsConnection): Promise<KV> {
  return await nc.jetstream().views.kv(MODELS_BUCKET, { history: 20 });
}

/** The pinned version of `name`, or null. */
export async function pinnedVersion(kv: KV, name: string): Promise<string | null> {
  const entry = await kv.get(name);
  return entry && entry.operation === "PUT" && entry.value.length > 0 ? entry.string() : null;
}

/** Every version `name` has been pinned to, oldest first (deletions skipped). */
export async function pinHistory(kv: KV, name: string): Promise<string[]> {
  const versions: string[] = [];
  for await (const entry of await kv.history({ key: name })) {
    if (entry.operation === "PUT") versions.push(entry.string());
  }
  return versions;
}
