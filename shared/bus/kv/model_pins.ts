/**
 * Which version each model name serves: the KV bucket `alexnet-models`, key = model name,
 * value = version. Keeps history so a pin can be rolled back.
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { type KV, Kvm } from "@nats-io/kv";
import { MODELS_BUCKET } from "../core/subjects.ts";
import { streamReplicas } from "../jetstream/ensure_stream.ts";

/** Opens (creating if needed) the pins bucket. */
export async function modelPins(nc: NatsConnection): Promise<KV> {
  return await new Kvm(nc).create(MODELS_BUCKET, { history: 20, replicas: streamReplicas() });
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

/** `name` has no earlier pin to return to. */
export class NoEarlierPinError extends Error {
  override name = "NoEarlierPinError";
}

/** Pins `name` to `version`; replicas following the pin swap to it. */
export async function promoteVersion(kv: KV, name: string, version: string): Promise<void> {
  await kv.put(name, version);
}

/** Pins `name` back to the version pinned before the current one; returns [from, to]. */
export async function rollbackPin(kv: KV, name: string): Promise<[string | null, string]> {
  const history = await pinHistory(kv, name);
  const current = await pinnedVersion(kv, name);
  const previous = [...history].reverse().find((v) => v !== current);
  if (!previous) throw new NoEarlierPinError(`${name} has no earlier pin to roll back to`);
  await kv.put(name, previous);
  return [current, previous];
}
