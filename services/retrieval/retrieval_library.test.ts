import assert from "node:assert/strict";
import { encode as encodePng } from "fast-png";
import { NatsServerProcess } from "../../shared/nats_server/mod.ts";
import { selectBackend } from "../../shared/backend/mod.ts";
import { connectBus, embeddingsSubject } from "../../shared/bus/mod.ts";
import { pollUntil } from "../../shared/cli/mod.ts";
import { encodeCheckpoint } from "../../shared/codec/mod.ts";
import { loadPredictor } from "../../shared/predictor/mod.ts";
import { type CheckpointFiles, sampleManifestInfo } from "../../shared/checkpoint/mod.ts";
import { generateShapeImage } from "../../shared/image/mod.ts";
import { SeededRandom } from "../../shared/random/mod.ts";
import { AlexNet } from "../../shared/model/mod.ts";
import { DEFAULT_COMPACT } from "./compact/compact_index.ts";
import { ImageLibrary } from "./image_library.ts";
import { RetrievalLibrary, type RetrievalOptions } from "./retrieval_library.ts";

await selectBackend("wasm");

async function versionFiles(version: string, seed: number): Promise<CheckpointFiles> {
  const model = AlexNet.create({ arch: "alexnet-owt", numClasses: 4, inputSize: 63, width: 0.25, seed });
  const files = await encodeCheckpoint(
    model,
    sampleManifestInfo({ name: "ret", version, classNames: ["a", "b", "c", "d"] }),
  );
  model.dispose();
  return files;
}

const options: RetrievalOptions = { layer: "fc7", maxPixels: 40e6, thumbnailSize: 64, log: () => {} };
const rng = new SeededRandom(4);
const photos = Array.from({ length: 24 }, (_, i) => ({
  label: i % 3,
  bytes: encodePng({ ...generateShapeImage(i % 3, 72, rng), channels: 3, depth: 8 }),
}));

Deno.test("images persist in JetStream; restarts rebuild without recomputing; new versions re-index in the background", async () => {
  const nats = await NatsServerProcess.start();
  const nc = await connectBus(nats.url);
  const [v1, v2] = [await versionFiles("v1", 1), await versionFiles("v2", 2)];
  let library = await RetrievalLibrary.open(await ImageLibrary.open(nc), options);
  try {
    await library.adopt(await loadPredictor(v1));
    for (const [i, photo] of photos.entries()) {
      const added = await library.add(photo.bytes, { id: `img-${i}`, metadata: { label: photo.label } });
      assert.deepEqual(added, { id: `img-${i}`, duplicate: false });
    }
    assert.deepEqual(await library.add(photos[3].bytes, { id: "again" }), { id: "img-3", duplicate: true });
    await assert.rejects(library.add(photos[0].bytes.slice(0, 30)), /corrupt or truncated PNG/);
    assert.equal(library.embeddedCount, 24);

    const byBytes = await library.search({ bytes: photos[5].bytes }, 5);
    assert.equal(byBytes[0].id, "img-5");
    assert.ok(Math.abs(byBytes[0].score - 1) < 1e-5);
    assert.deepEqual(byBytes[0].metadata, { label: 2 });
    const byId = await library.search({ id: "img-5" }, 5);
    assert.equal(byId.length, 5);
    assert.ok(!byId.some((h) => h.id === "img-5"), "a stored query is left out of its own results");
    assert.ok(await library.delete("img-7"));
    assert.ok(!(await library.delete("img-7")));
    const before = await library.search({ id: "img-1" }, 10);
    assert.equal(library.status().images, 23);
    assert.ok(await library.thumbnail("img-1"));
    assert.equal(await library.original("img-7"), null);

    // Restart: a new library rebuilds from the stream with no model work.
    library.close();
    library = await RetrievalLibrary.open(await ImageLibrary.open(nc), options);
    await library.adopt(await loadPredictor(v1));
    assert.equal(library.embeddedCount, 0);
    assert.deepEqual(await library.search({ id: "img-1" }, 10), before);
    assert.equal(library.status().indexed, 23);

    // A new version re-indexes in the background; searches answer from v1 until it is done.
    const adopting = library.adopt(await loadPredictor(v2));
    await new Promise((r) => setTimeout(r, 0));
    const during = await library.search({ id: "img-1" }, 10);
    assert.equal(library.activeVersion, "v1");
    assert.deepEqual(during, before);
    await library.add(photos[7].bytes, { id: "late" }); // added mid-way: must reach the new index too
    await adopting;
    assert.equal(library.activeVersion, "v2");
    assert.equal(library.status().indexed, 24);
    assert.equal(library.embeddedCount, 1 + 24, "v2 embedded every image once (one late add on v1)");
    assert.notDeepEqual(await library.search({ id: "img-1" }, 10), before);

    // Approximate mode answers from HNSW: on this small set it finds the same neighbours.
    const approximate = await RetrievalLibrary.open(await ImageLibrary.open(nc), { ...options, search: "approximate" });
    await approximate.adopt(await loadPredictor(v2));
    const exactHits = (await library.search({ id: "img-1" }, 5)).map((h) => h.id);
    assert.deepEqual((await approximate.search({ id: "img-1" }, 5)).map((h) => h.id), exactHits);
    assert.equal(approximate.status().model?.search, "approximate");
    approximate.close();

    // Rolling back to v1 re-reads its stored embeddings (the late image was added under v1).
    await library.adopt(await loadPredictor(v1));
    assert.equal(library.embeddedCount, 25, "nothing recomputed");
    const rolledBack = await library.search({ id: "img-1" }, 10);
    assert.deepEqual(rolledBack.filter((h) => h.id !== "late").slice(0, 5), before.slice(0, 5));
  } finally {
    library.close();
    await nc.close();
    await nats.stop({ removeStore: true });
  }
});

Deno.test("an add still under way when a new version is adopted ends up in the new version's index", async () => {
  const nats = await NatsServerProcess.start();
  const nc = await connectBus(nats.url);
  const [v1, v2] = [await versionFiles("v1", 1), await versionFiles("v2", 2)];
  const library = await RetrievalLibrary.open(await ImageLibrary.open(nc), options);
  try {
    await library.adopt(await loadPredictor(v1));
    const next = await loadPredictor(v2);
    // With nothing to re-embed, v2 is adopted while the add is still embedding and storing under v1.
    const adding = library.add(photos[0].bytes, { id: "racer" });
    await library.adopt(next);
    assert.deepEqual(await adding, { id: "racer", duplicate: false });
    assert.equal(library.activeVersion, "v2");
    assert.equal(library.status().indexed, 1, "the add was lost from the new index");
    const [hit] = await library.search({ bytes: photos[0].bytes }, 1);
    assert.equal(hit.id, "racer");
    assert.ok(Math.abs(hit.score - 1) < 1e-5, `indexed with v2's embedding (score ${hit.score})`);
  } finally {
    library.close();
    await nc.close();
    await nats.stop({ removeStore: true });
  }
});

Deno.test("compact mode: exact while small, compact once large, snapshotted, and a restart loads the snapshot", async () => {
  const nats = await NatsServerProcess.start();
  const nc = await connectBus(nats.url);
  const v1 = await versionFiles("v1", 1);
  const logs: string[] = [];
  const compactOptions: RetrievalOptions = {
    ...options,
    search: "compact",
    compact: {
      from: 40,
      settings: { ...DEFAULT_COMPACT, dims: 8, lists: 4, probes: 4, rerank: 50, fitRows: 1000 },
      targetRecall: 0.5,
    },
    liveRecallEvery: 1,
    log: (line) => logs.push(line),
  };
  const many = Array.from(
    { length: 44 },
    (_, i) => encodePng({ ...generateShapeImage(i % 4, 72, rng), channels: 3, depth: 8 }),
  );
  const store = await ImageLibrary.open(nc);
  let library = await RetrievalLibrary.open(store, compactOptions);
  try {
    await library.adopt(await loadPredictor(v1));
    for (let i = 0; i < 39; i++) await library.add(many[i], { id: `m${i}` });
    assert.equal(library.status().model?.index, "exact");
    assert.equal(library.status().recall?.build?.basis, "exact", "exact search: recall 1 by construction");
    await library.add(many[39], { id: "m39" }); // the 40th: a compact index is built in the background
    await pollUntil("the compact index", () => library.status().model?.index === "compact", { timeoutMs: 60_000 });
    // Its recall is measured on the images held out of its fit (4 of 40: 2 choose the search settings, the other 2
    // give the figure reported), against exact search.
    await pollUntil("the measured recall", () => library.status().recall?.build?.basis === "held-out", {
      timeoutMs: 60_000,
    });
    const measured = library.status().recall!.build!;
    assert.deepEqual([measured.queries, measured.over], [2, 40]);
    assert.ok(measured.recallAt10 > 0 && measured.recallAt10 <= 1, String(measured.recallAt10));
    assert.ok(logs.some((line) => /recall@10 of ret@v1: [01]\.\d{3} on 2 images held out of the fit/.test(line)));
    assert.ok(logs.some((line) => /^recall target 0\.5: .* cells probed/.test(line)), logs.join("\n"));
    await library.search({ id: "m2" }, 10); // every search is checked live here (liveRecallEvery: 1)
    await pollUntil("a live check", () => library.status().recall?.live?.queries === 1, { timeoutMs: 30_000 });
    const subject = embeddingsSubject("ret", "v1", "fc7");
    await pollUntil("the snapshot", async () => (await store.indexSnapshotSize(subject)) !== null, {
      timeoutMs: 60_000,
    });
    const [self] = await library.search({ bytes: many[5] }, 1);
    assert.equal(self.id, "m5");
    assert.ok(Math.abs(self.score - 1) < 2e-3, `float16 cosine ${self.score}`);

    // Changes after the snapshot: two adds and a delete of a snapshotted image.
    await library.add(many[40], { id: "m40" });
    await library.add(many[41], { id: "m41" });
    assert.ok(await library.delete("m3"));
    const before = await library.search({ id: "m1" }, 10);
    assert.equal(library.embeddedCount, 43, "42 adds and one query");

    library.close();
    library = await RetrievalLibrary.open(await ImageLibrary.open(nc), compactOptions);
    await library.adopt(await loadPredictor(v1));
    assert.equal(library.embeddedCount, 0, "the snapshot and the stream after it: nothing recomputed");
    assert.equal(library.status().model?.index, "compact");
    assert.equal(library.status().indexed, 41);
    assert.ok(logs.some((line) => /snapshot of 39 \+ 2 stored/.test(line)), logs.join("\n"));
    assert.deepEqual(await library.search({ id: "m1" }, 10), before);
    assert.ok(!(await library.search({ bytes: many[3] }, 41)).some((h) => h.id === "m3"));

    // A damaged snapshot is ignored: the index is rebuilt from the stream.
    await store.putIndexSnapshot(subject, new TextEncoder().encode("not a snapshot"));
    library.close();
    library = await RetrievalLibrary.open(await ImageLibrary.open(nc), compactOptions);
    await library.adopt(await loadPredictor(v1));
    assert.ok(logs.some((line) => /ignoring the index snapshot/.test(line)));
    assert.equal(library.embeddedCount, 0);
    assert.equal(library.status().model?.index, "compact");
    assert.deepEqual(
      (await library.search({ id: "m1" }, 10)).map((h) => h.id).slice(0, 3),
      before.map((h) => h.id).slice(0, 3),
    );
  } finally {
    library.close();
    await nc.close();
    await nats.stop({ removeStore: true });
  }
});
