import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { Objm } from "@nats-io/obj";
import { NatsServerProcess } from "../../nats_server/mod.ts";
import {
  addWeightShards,
  CheckpointDigestError,
  type CheckpointFiles,
  digestsOf,
} from "../../checkpoint/checkpoint_files.ts";
import { CheckpointManifestSchema } from "../../checkpoint/checkpoint_manifest.ts";
import { sampleManifestInfo } from "../../checkpoint/sample_manifest_info.ts";
import { CHECKPOINT_BUCKET, CHECKPOINT_PUBLISHED, checkpointObjectName, EVENTS_STREAM } from "../core/subjects.ts";
import { fetchCheckpoint, listCheckpointVersions, publishCheckpoint } from "./checkpoint_store.ts";
import { connectBus } from "../core/connect_bus.ts";
import { CheckpointPublishedSchema } from "../core/messages.ts";

/**
 * Checkpoint files as bytes (the bus never builds a network): a `model.json`, 9 MB of weight
 * shards and a manifest with their digests.
 */
async function checkpointBytes(version: string): Promise<CheckpointFiles> {
  const files: CheckpointFiles = new Map();
  const weights = new Uint8Array(9_000_000);
  for (let at = 0; at < weights.length; at += 65536) crypto.getRandomValues(weights.subarray(at, at + 65536));
  const paths = addWeightShards(files, weights);
  files.set("model.json", new TextEncoder().encode(JSON.stringify({ weightsManifest: [{ paths, weights: [] }] })));
  const manifest = CheckpointManifestSchema.parse({
    ...sampleManifestInfo({ name: "bus-test", version, classNames: ["cat", "dog"], metrics: { epoch: 1 } }),
    schema: "alexnet-edge/checkpoint@1",
    arch: "alexnet-owt",
    inputSize: 64,
    groups: 1,
    files: await digestsOf(files),
  });
  files.set("manifest.json", new TextEncoder().encode(JSON.stringify(manifest)));
  return files;
}

Deno.test("a published checkpoint survives a server restart and comes back byte for byte, verified", async () => {
  const server = await NatsServerProcess.start();
  const nc = await connectBus(server.url);
  try {
    const files = await checkpointBytes("20261129T000000Z-abcd-e001");
    assert.ok(files.size >= 5, "several shards");
    const event = await publishCheckpoint(nc, files, { runId: "run", epoch: 1, best: true });
    assert.equal(event.version, "20261129T000000Z-abcd-e001");

    // The event is durable in the stream.
    const jsm = await jetstreamManager(nc);
    const stored = await jsm.streams.getMessage(EVENTS_STREAM, { last_by_subj: CHECKPOINT_PUBLISHED });
    assert.equal(CheckpointPublishedSchema.parse(stored!.json()).name, "bus-test");

    await nc.close();
    await server.stop();
    await server.restart();
    const nc2 = await connectBus(server.url);
    try {
      assert.deepEqual(await listCheckpointVersions(nc2, "bus-test"), ["20261129T000000Z-abcd-e001"]);
      const fetched = await fetchCheckpoint(nc2, "bus-test");
      assert.deepEqual([...fetched.keys()].sort(), [...files.keys()].sort());
      for (const [name, bytes] of files) assert.deepEqual(new Uint8Array(fetched.get(name)!), bytes, name);
      await assert.rejects(fetchCheckpoint(nc2, "no-such-model"), /no checkpoint named no-such-model/);

      // A shard changed in the store after publication is refused on fetch.
      const bucket = await new Objm(nc2).open(CHECKPOINT_BUCKET);
      const shard = [...files.keys()].find((name) => name.endsWith(".bin"))!;
      const tampered = files.get(shard)!.slice();
      tampered[7] ^= 1;
      await bucket.putBlob({ name: checkpointObjectName("bus-test", "20261129T000000Z-abcd-e001", shard) }, tampered);
      await assert.rejects(fetchCheckpoint(nc2, "bus-test"), CheckpointDigestError);
    } finally {
      await nc2.close();
    }
  } finally {
    await server.stop({ removeStore: true });
  }
});
