/**
 * Streams are created by whoever needs them first, with the replica count the deployment
 * asks for (`ALEXNET_NATS_REPLICAS`: 1 on one server, 3 on a 3-node JetStream cluster).
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { jetstreamManager, type StreamConfig } from "@nats-io/jetstream";
import { EVENTS_STREAM, EVENTS_SUBJECTS } from "../core/subjects.ts";

/** Replicas for our streams, object stores and KV buckets (env `ALEXNET_NATS_REPLICAS`, default 1). */
export function streamReplicas(): number {
  const raw = Deno.env.get("ALEXNET_NATS_REPLICAS");
  const n = raw === undefined ? 1 : Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 5) throw new Error(`ALEXNET_NATS_REPLICAS must be 1–5, got ${raw}`);
  return n;
}

/**
 * Adds the stream, or updates its subjects when an older version of this code created it
 * with different ones.
 *
 * @example
 * ```ts
 * await ensureStream(nc, { name: "ALEXNET_EVENTS", subjects: ["alexnet.checkpoint.>"] });
 * ```
 */
export async function ensureStream(
  nc: NatsConnection,
  config: Partial<StreamConfig> & { name: string },
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  let info;
  try {
    info = await jsm.streams.info(config.name);
  } catch {
    await jsm.streams.add({ num_replicas: streamReplicas(), ...config });
    return;
  }
  const want = [...(config.subjects ?? [])].sort().join(" ");
  if (want && [...info.config.subjects ?? []].sort().join(" ") !== want) {
    await jsm.streams.update(config.name, { ...info.config, subjects: config.subjects });
  }
}

/** Creates the events stream if it is missing, or brings its subjects up to date (idempotent). */
export async function ensureEventsStream(nc: NatsConnection): Promise<void> {
  await ensureStream(nc, { name: EVENTS_STREAM, subjects: EVENTS_SUBJECTS });
}
