/**
 * Checkpoints in the JetStream object store: upload all files, then announce them on
 * `alexnet.checkpoint.published`; download by `name` and optional `version` (default: the
 * newest — versions sort by time).
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { jetstream } from "@nats-io/jetstream";
import { type ObjectStore, Objm } from "@nats-io/obj";
import { type CheckpointFiles, parseManifest, verifyCheckpoint } from "../../checkpoint/checkpoint_files.ts";
import { SIGNATURE_FILE } from "../../checkpoint/checkpoint_signature.ts";
import type { CheckpointManifest } from "../../checkpoint/checkpoint_manifest.ts";
import { type CheckpointPublished, CheckpointPublishedSchema } from "../core/messages.ts";
import { CHECKPOINT_BUCKET, CHECKPOINT_PUBLISHED, checkpointObjectName } from "../core/subjects.ts";
import { ensureEventsStream, streamReplicas } from "../jetstream/ensure_stream.ts";
import type { BusIdentity } from "../core/bus_identity.ts";
import { connectBus } from "../core/connect_bus.ts";

/** A requested checkpoint that is not in the store. */
export class CheckpointNotFoundError extends Error {
  override name = "CheckpointNotFoundError";
}

async function checkpointBucket(nc: NatsConnection): Promise<ObjectStore> {
  return await new Objm(nc).create(CHECKPOINT_BUCKET, { replicas: streamReplicas() });
}

/** What the trainer knows about a checkpoint beyond its files. */
export interface PublishInfo {
  runId: string;
  epoch: number;
  best: boolean;
}

/**
 * Uploads `files` (after checking their digests; the signature, when there is one, travels with
 * them) and then publishes the event.
 *
 * @example
 * ```ts
 * await publishCheckpoint(nc, files, { runId, epoch: 3, best: true });
 * ```
 */
export async function publishCheckpoint(
  nc: NatsConnection,
  files: CheckpointFiles,
  info: PublishInfo,
): Promise<CheckpointPublished> {
  const manifest = await verifyCheckpoint(files);
  await ensureEventsStream(nc);
  const bucket = await checkpointBucket(nc);
  // manifest.json last: a reader that finds it finds every file it lists.
  const order = [...files.keys()].filter((f) => f !== "manifest.json").concat("manifest.json");
  for (const file of order) {
    await bucket.putBlob({ name: checkpointObjectName(manifest.name, manifest.version, file) }, files.get(file)!);
  }
  const event = CheckpointPublishedSchema.parse({
    schema: "alexnet.checkpoint.published/v1",
    name: manifest.name,
    version: manifest.version,
    arch: manifest.arch,
    runId: info.runId,
    epoch: info.epoch,
    best: info.best,
    files: manifest.files,
    metrics: manifest.metrics,
    createdAt: manifest.createdAt,
  });
  await jetstream(nc).publish(CHECKPOINT_PUBLISHED, JSON.stringify(event));
  return event;
}

/** Every model name with at least one stored checkpoint, sorted. */
export async function listCheckpointNames(nc: NatsConnection): Promise<string[]> {
  const names = (await (await checkpointBucket(nc)).list())
    .filter((o) => !o.deleted && o.name.endsWith("/manifest.json"))
    .map((o) => o.name.split("/")[0]);
  return [...new Set(names)].sort();
}

/** Every stored version of `name`, oldest first. */
export async function listCheckpointVersions(nc: NatsConnection, name: string): Promise<string[]> {
  const bucket = await checkpointBucket(nc);
  const suffix = "/manifest.json";
  const versions = (await bucket.list())
    .filter((o) => !o.deleted && o.name.startsWith(`${name}/`) && o.name.endsWith(suffix))
    .map((o) => o.name.slice(name.length + 1, -suffix.length));
  return versions.sort();
}

/**
 * Downloads and verifies a checkpoint; `version` omitted means the newest.
 *
 * @example
 * ```ts
 * const files = await fetchCheckpoint(nc, "cats-dogs");
 * const manifest = await verifyCheckpoint(files); // already done: fetching verifies
 * ```
 */
export async function fetchCheckpoint(nc: NatsConnection, name: string, version?: string): Promise<CheckpointFiles> {
  const bucket = await checkpointBucket(nc);
  const chosen = version ?? (await listCheckpointVersions(nc, name)).at(-1);
  if (!chosen) throw new CheckpointNotFoundError(`no checkpoint named ${name} in ${CHECKPOINT_BUCKET}`);
  const manifestBytes = await bucket.getBlob(checkpointObjectName(name, chosen, "manifest.json"));
  if (!manifestBytes) throw new CheckpointNotFoundError(`no checkpoint ${name}@${chosen} in ${CHECKPOINT_BUCKET}`);
  const files: CheckpointFiles = new Map([["manifest.json", manifestBytes]]);
  const listed = Object.keys(JSON.parse(new TextDecoder().decode(manifestBytes)).files ?? {});
  for (const file of [...listed, SIGNATURE_FILE]) {
    const bytes = await bucket.getBlob(checkpointObjectName(name, chosen, file));
    if (bytes) files.set(file, bytes);
  }
  await verifyCheckpoint(files);
  return files;
}

/**
 * `NAME[@VERSION]` (newest when no version) fetched and verified over a connection of its own,
 * for command lines that load one checkpoint and exit.
 *
 * @example
 * ```ts
 * const files = await downloadCheckpoint("nats://127.0.0.1:4222", "cats-dogs@V", { client: "predict" });
 * ```
 */
export async function downloadCheckpoint(
  natsUrl: string,
  ref: string,
  options: { client?: string; identity?: BusIdentity } = {},
): Promise<CheckpointFiles> {
  const [name, version] = ref.split("@");
  const nc = await connectBus(natsUrl, options.client ?? "alexnet-cli", options.identity);
  try {
    return await fetchCheckpoint(nc, name, version || undefined);
  } finally {
    await nc.close();
  }
}

/** Just the manifest of a stored checkpoint (no weights), for listings. */
export async function fetchCheckpointManifest(
  nc: NatsConnection,
  name: string,
  version: string,
): Promise<CheckpointManifest> {
  const bytes = await (await checkpointBucket(nc)).getBlob(checkpointObjectName(name, version, "manifest.json"));
  if (!bytes) throw new CheckpointNotFoundError(`no checkpoint ${name}@${version} in ${CHECKPOINT_BUCKET}`);
  return parseManifest(new Map([["manifest.json", bytes]]));
}
