/**
 * Hot swap against a real nats-server: new versions are served while requests keep
 * succeeding, a tampered checkpoint is refused, a restarted follower catches up, and the
 * KV pin (promote/rollback) is followed within seconds.
 */
import assert from "node:assert/strict";
import { jetstream } from "@nats-io/jetstream";
import { Objm } from "@nats-io/obj";
import { tf } from "../../shared/backend/mod.ts";
import { encode as encodePng } from "fast-png";
import { NatsServerProcess } from "../../shared/nats_server/mod.ts";
import { selectBackend } from "../../shared/backend/mod.ts";
import {
  CHECKPOINT_BUCKET,
  CHECKPOINT_PUBLISHED,
  CheckpointFollower,
  checkpointObjectName,
  CheckpointPublishedSchema,
  connectBus,
  publishCheckpoint,
} from "../../shared/bus/mod.ts";
import { encodeCheckpoint, loadCheckpointDir } from "../../shared/codec/mod.ts";
import { type CheckpointFiles, manifestInfo } from "../../shared/checkpoint/mod.ts";
import { WorkQueue } from "../../shared/http/mod.ts";
import { generateShapeImage } from "../../shared/image/mod.ts";
import { SeededRandom } from "../../shared/random/mod.ts";
import { trainTinyCheckpoint } from "../../tests/fixtures/trained_checkpoint.ts";
import { createInferenceApp } from "./app.ts";
import { InferenceEngine } from "./inference_engine.ts";
import { runModelsCommand } from "./models_main.ts";

await selectBackend("wasm");

// One small trained checkpoint, re-encoded under several versions.
const runDir = await trainTinyCheckpoint({ name: "swap", width: 0.25 });
const trained = await loadCheckpointDir(`${runDir}/last`);

function versionFiles(version: string): Promise<CheckpointFiles> {
  const info = manifestInfo(trained.manifest);
  return encodeCheckpoint(trained.model, { ...info, version, createdAt: new Date().toISOString() });
}

const photo = encodePng({ ...generateShapeImage(1, 80, new SeededRandom(5)), channels: 3, depth: 8 }) as BodyInit;

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
}

Deno.test("new versions swap in under load, tampered ones are refused, restarts catch up, pins are followed", async () => {
  const nats = await NatsServerProcess.start();
  const nc = await connectBus(nats.url);
  const logs: string[] = [];
  const log = (line: string) => logs.push(line);
  const newEngine = () =>
    new InferenceEngine({ queue: new WorkQueue({ concurrency: 1, maxQueued: 64 }), maxPixels: 40e6 });
  const follow = (engine: InferenceEngine) =>
    new CheckpointFollower(nc, {
      modelName: "swap",
      consumerName: "inference-swap-a",
      currentVersion: () => engine.currentVersion(),
      adopt: async (files) => void await engine.adopt(files),
      log,
    });
  let engine = newEngine();
  let follower = follow(engine);
  const server = { close: async () => {} };
  try {
    await publishCheckpoint(nc, await versionFiles("v1"), { runId: "r", epoch: 1, best: true });
    await follower.start();
    await follower.settled();
    assert.equal(engine.currentVersion(), "v1");
    const tensorsWithOneModel = tf.memory().numTensors;

    // HTTP served from the same slot; a loop of requests runs across the swap.
    const app = createInferenceApp({ engine });
    const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
    server.close = () => http.shutdown();
    const url = `http://127.0.0.1:${http.addr.port}/v1/classify`;
    const seen: string[] = [];
    const failures: string[] = [];
    let looping = true;
    const loop = (async () => {
      while (looping) {
        const res = await fetch(url, { method: "POST", body: photo, headers: { "content-type": "image/png" } });
        const body = await res.json();
        if (res.status !== 200) failures.push(`${res.status} ${JSON.stringify(body)}`);
        else seen.push(body.model.version);
      }
    })();
    await waitFor(() => seen.length > 0, 10_000, "the first answer");

    await publishCheckpoint(nc, await versionFiles("v2"), { runId: "r", epoch: 2, best: true });
    const took = await waitFor(() => seen.at(-1) === "v2", 10_000, "v2 to be served");
    assert.ok(took < 10_000);

    // v3 with one corrupted shard: uploaded and announced, but refused on verification.
    const tampered = await versionFiles("v3");
    const bucket = await new Objm(nc).open(CHECKPOINT_BUCKET);
    for (const [file, bytes] of tampered) {
      const copy = file.startsWith("group1-shard1of") ? bytes.slice() : bytes;
      if (copy !== bytes) copy[10] ^= 0xff;
      await bucket.putBlob({ name: checkpointObjectName("swap", "v3", file) }, copy);
    }
    const manifest = JSON.parse(new TextDecoder().decode(tampered.get("manifest.json")));
    await jetstream(nc).publish(
      CHECKPOINT_PUBLISHED,
      JSON.stringify(CheckpointPublishedSchema.parse({
        schema: "alexnet.checkpoint.published/v1",
        name: "swap",
        version: "v3",
        arch: manifest.arch,
        runId: "r",
        epoch: 3,
        best: true,
        files: manifest.files,
        metrics: {},
        createdAt: manifest.createdAt,
      })),
    );
    await waitFor(() => follower.refused.has("v3"), 10_000, "v3 to be refused");
    assert.ok(logs.some((l) => /refused swap@v3 .*sha256/.test(l)), logs.join("\n"));
    const afterRefusal = seen.length;
    await waitFor(() => seen.length > afterRefusal + 2, 10_000, "more answers after the refusal");
    assert.equal(seen.at(-1), "v2");

    looping = false;
    await loop;
    assert.deepEqual(failures, [], "no request failed during the swaps");
    assert.equal(tf.memory().numTensors, tensorsWithOneModel, "the old model was disposed");

    // Restart: the follower is down while v4 is published; a new one catches up.
    await follower.stop();
    await publishCheckpoint(nc, await versionFiles("v4"), { runId: "r", epoch: 4, best: true });
    await server.close();
    engine.slot.close();
    engine = newEngine();
    follower = follow(engine);
    await follower.start();
    await follower.settled();
    assert.equal(engine.currentVersion(), "v4");

    // Pins: promote v1, then roll back to the previous pin.
    const [promoted] = await runModelsCommand(nc, ["promote", "swap", "v1"], false);
    assert.equal(promoted, "swap now serves v1");
    await waitFor(() => engine.currentVersion() === "v1", 5_000, "the pin to v1");
    await runModelsCommand(nc, ["promote", "swap", "v2"], false);
    await waitFor(() => engine.currentVersion() === "v2", 5_000, "the pin to v2");
    const [rolled] = await runModelsCommand(nc, ["rollback", "swap"], false);
    assert.equal(rolled, "swap rolled back from v2 to v1");
    await waitFor(() => engine.currentVersion() === "v1", 5_000, "the rollback to v1");
    // While pinned, a newly published version is not served.
    await publishCheckpoint(nc, await versionFiles("v5"), { runId: "r", epoch: 5, best: true });
    await new Promise((r) => setTimeout(r, 1500));
    await follower.settled();
    assert.equal(engine.currentVersion(), "v1");
    const listing = await runModelsCommand(nc, ["list"], true);
    assert.deepEqual(JSON.parse(listing[0]).models[0], {
      name: "swap",
      pinned: "v1",
      versions: ["v1", "v2", "v3", "v4", "v5"],
    });
    await assert.rejects(runModelsCommand(nc, ["promote", "swap", "v9"], false), /swap@v9 is not published/);
  } finally {
    await server.close();
    await follower.stop();
    engine.slot.close();
    await nc.close();
    await nats.stop({ removeStore: true });
  }
});
