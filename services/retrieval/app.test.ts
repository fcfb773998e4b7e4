import assert from "node:assert/strict";
import { encode as encodePng } from "fast-png";
import { NatsServerProcess } from "../../shared/nats_server/mod.ts";
import { selectBackend } from "../../shared/backend/mod.ts";
import { connectBus } from "../../shared/bus/mod.ts";
import { encodeCheckpoint } from "../../shared/codec/mod.ts";
import { loadPredictor } from "../../shared/predictor/mod.ts";
import { sampleManifestInfo } from "../../shared/checkpoint/mod.ts";
import { WorkQueue } from "../../shared/http/mod.ts";
import { generateShapeImage } from "../../shared/image/mod.ts";
import { SeededRandom } from "../../shared/random/mod.ts";
import { AlexNet } from "../../shared/model/mod.ts";
import { createRetrievalApp } from "./app.ts";
import { ImageLibrary } from "./image_library.ts";
import { RetrievalLibrary } from "./retrieval_library.ts";

await selectBackend("wasm");

const rng = new SeededRandom(8);
const png = (label: number) => encodePng({ ...generateShapeImage(label, 72, rng), channels: 3, depth: 8 }) as BodyInit;

Deno.test("the retrieval HTTP API adds, searches, serves, deletes and refuses bad input with JSON errors", async () => {
  const nats = await NatsServerProcess.start();
  const nc = await connectBus(nats.url);
  const library = await RetrievalLibrary.open(await ImageLibrary.open(nc), {
    layer: "fc7",
    maxPixels: 1_000_000,
    thumbnailSize: 32,
    log: () => {},
  });
  const adminToken = "retrieval-admin-token-0001";
  const app = createRetrievalApp(library, { maxBodyBytes: 300_000, defaultK: 3, adminToken });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  const base = `http://127.0.0.1:${server.addr.port}`;
  const post = async (path: string, body: BodyInit, type?: string) => {
    const res = await fetch(`${base}${path}`, { method: "POST", body, headers: type ? { "content-type": type } : {} });
    return { status: res.status, json: await res.json() };
  };
  try {
    const notReady = await post("/v1/images", png(0), "image/png");
    assert.equal(notReady.status, 503);
    assert.equal(notReady.json.error.code, "no_model");

    const model = AlexNet.create({ arch: "alexnet-owt", numClasses: 2, inputSize: 63, width: 0.25, seed: 5 });
    const files = await encodeCheckpoint(model, sampleManifestInfo({ name: "ret", classNames: ["cat", "dog"] }));
    model.dispose();
    await library.adopt(await loadPredictor(files));

    const raw = await post("/v1/images", png(1), "image/png");
    assert.equal(raw.status, 201);
    assert.equal(raw.json.duplicate, false);
    const bytes = png(2);
    const form = new FormData();
    form.append("image", new Blob([bytes as BlobPart]), "tri.png");
    form.append("id", "triangle-1");
    form.append("metadata", JSON.stringify({ label: "triangle" }));
    assert.deepEqual(await post("/v1/images", form), { status: 201, json: { id: "triangle-1", duplicate: false } });
    for (let i = 0; i < 4; i++) await post("/v1/images", png(i % 3), "image/png");
    const again = await post("/v1/images", bytes, "image/png");
    assert.deepEqual(again, { status: 200, json: { id: "triangle-1", duplicate: true } });

    const byBytes = await post("/v1/search?k=2", bytes, "image/png");
    assert.equal(byBytes.status, 200);
    assert.equal(byBytes.json.results.length, 2);
    assert.equal(byBytes.json.results[0].id, "triangle-1");
    assert.deepEqual(byBytes.json.results[0].metadata, { label: "triangle" });
    assert.equal(byBytes.json.results[0].thumbnailUrl, "/v1/images/triangle-1/thumbnail");
    assert.equal(byBytes.json.model.layer, "fc7");
    const byId = await post("/v1/search", JSON.stringify({ id: "triangle-1" }), "application/json");
    assert.equal(byId.json.results.length, 3);
    assert.ok(!byId.json.results.some((h: { id: string }) => h.id === "triangle-1"));

    const original = await fetch(`${base}/v1/images/triangle-1`);
    assert.equal(original.headers.get("content-type"), "image/png");
    assert.deepEqual(new Uint8Array(await original.arrayBuffer()), bytes);
    const thumb = await fetch(`${base}/v1/images/triangle-1/thumbnail`);
    assert.equal(thumb.headers.get("content-type"), "image/jpeg");
    assert.equal((await thumb.arrayBuffer()).byteLength > 100, true);

    // With a write token configured, adding needs it (the same library behind a second app).
    const guarded = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      createRetrievalApp(library, { maxBodyBytes: 300_000, defaultK: 3, writeToken: "retrieval-write-token-01" }).fetch,
    );
    const add = async (authorization?: string) => {
      const res = await fetch(`http://127.0.0.1:${guarded.addr.port}/v1/images`, {
        method: "POST",
        body: png(0),
        headers: { "content-type": "image/png", ...(authorization ? { authorization } : {}) },
      });
      await res.body?.cancel();
      return res.status;
    };
    assert.equal(await add(), 401);
    assert.equal(await add("Bearer retrieval-write-token-02"), 403);
    assert.equal(await add("Bearer retrieval-write-token-01"), 201);
    await guarded.shutdown();
    assert.ok((await fetch(`${base}/v1/images/triangle-1`)).ok);

    const status = await fetch(`${base}/v1/status`).then((r) => r.json());
    assert.equal(status.images, 7);
    assert.equal(status.indexed, 7);
    const unauthorized = await fetch(`${base}/v1/images/triangle-1`, { method: "DELETE" });
    assert.equal(unauthorized.status, 401);
    await unauthorized.body?.cancel();
    const forbidden = await fetch(`${base}/v1/images/triangle-1`, {
      method: "DELETE",
      headers: { authorization: "Bearer not-the-admin-token-at-all" },
    });
    assert.equal(forbidden.status, 403);
    await forbidden.body?.cancel();
    assert.equal((await fetch(`${base}/v1/images/triangle-1`)).status, 200, "a refused delete deleted nothing");
    const deleted = await fetch(`${base}/v1/images/triangle-1`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${adminToken}` },
    });
    assert.deepEqual(await deleted.json(), { id: "triangle-1", deleted: true });
    assert.equal((await fetch(`${base}/v1/images/triangle-1`)).status, 404);
    const gone = await post("/v1/search", JSON.stringify({ id: "triangle-1" }), "application/json");
    assert.equal(gone.status, 404);

    // Bad input: each a JSON error, and the service keeps answering.
    const bad = async (body: BodyInit, type: string, status: number, code: string, path = "/v1/images") => {
      const r = await post(path, body, type);
      assert.equal(r.status, status, JSON.stringify(r.json));
      assert.equal(r.json.error.code, code);
    };
    await bad(new Uint8Array(0), "image/png", 400, "empty_body");
    await bad("text", "text/plain", 415, "unsupported_media_type");
    await bad((png(0) as Uint8Array).slice(0, 50), "image/png", 400, "corrupt_image");
    await bad(
      encodePng({
        width: 3000,
        height: 3000,
        data: new Uint8Array((3000 * 3000) / 8),
        channels: 1,
        depth: 1,
      }) as BodyInit,
      "image/png",
      413,
      "too_many_pixels",
    );
    await bad(new Uint8Array(400_000), "image/png", 413, "body_too_large");
    await bad("{}", "application/json", 400, "invalid_request", "/v1/search");
    const badMeta = new FormData();
    badMeta.append("image", new Blob([png(0) as BlobPart]));
    badMeta.append("metadata", "[1, 2]");
    const metaResponse = await fetch(`${base}/v1/images`, { method: "POST", body: badMeta });
    assert.equal(metaResponse.status, 400);
    assert.equal((await metaResponse.json()).error.code, "invalid_metadata");
    const wrong = await fetch(`${base}/v1/search`);
    assert.equal(wrong.status, 405);
    assert.equal((await wrong.json()).error.code, "method_not_allowed");
    assert.equal((await post("/v1/search", bytes, "image/png")).status, 200);

    // Overload: with no room to wait, concurrent searches beyond the running one get 503.
    const busy = createRetrievalApp(
      library,
      { maxBodyBytes: 300_000, defaultK: 3 },
      new WorkQueue({ concurrency: 1, maxQueued: 0 }),
    );
    const busyServer = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, busy.fetch);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        fetch(`http://127.0.0.1:${busyServer.addr.port}/v1/search`, {
          method: "POST",
          body: bytes,
          headers: { "content-type": "image/png" },
        })
          .then(async (r) => ({ status: r.status, retryAfter: r.headers.get("retry-after"), body: await r.json() }))),
    );
    await busyServer.shutdown();
    assert.ok(answers.some((a) => a.status === 200), JSON.stringify(answers.map((a) => a.status)));
    const refused = answers.filter((a) => a.status === 503);
    assert.ok(refused.length > 0, JSON.stringify(answers.map((a) => a.status)));
    for (const a of refused) {
      assert.equal(a.body.error.code, "overloaded");
      assert.equal(a.retryAfter, "1");
    }

    const metrics = await fetch(`${base}/metrics`).then((r) => r.text());
    assert.match(metrics, /alexnet_retrieval_images 6/);
    assert.match(metrics, /alexnet_retrieval_recall_at_10\{measured="build"\} 1/, "exact search reports recall 1");
    const openapi = await fetch(`${base}/openapi.json`).then((r) => r.json());
    assert.ok(openapi.paths["/v1/search"].post);
  } finally {
    await server.shutdown();
    library.close();
    await nc.close();
    await nats.stop({ removeStore: true });
  }
});
