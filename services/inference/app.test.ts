import assert from "node:assert/strict";
import { encode as encodePng } from "fast-png";
import { Image } from "imagescript";
import { selectBackend } from "../../shared/backend/mod.ts";
import { readCheckpointDir } from "../../shared/checkpoint/mod.ts";
import { WorkQueue } from "../../shared/http/mod.ts";
import { generateShapeImage, type RgbImage } from "../../shared/image/mod.ts";
import { SeededRandom } from "../../shared/random/mod.ts";
import { trainTinyCheckpoint } from "../../tests/fixtures/trained_checkpoint.ts";
import { createInferenceApp, type InferenceLimits } from "./app.ts";
import { InferenceEngine } from "./inference_engine.ts";
import { createInferenceMetrics } from "./inference_metrics.ts";

await selectBackend("wasm");

// A small real checkpoint made by the trainer (generated shapes, 63 px, one epoch).
const runDir = await trainTinyCheckpoint({ name: "shapes" });
const checkpointDir = `${runDir}/last`;

function png(image: RgbImage): Uint8Array {
  return encodePng({ ...image, channels: 3, depth: 8 });
}

async function jpeg(image: RgbImage): Promise<Uint8Array> {
  const out = new Image(image.width, image.height);
  for (let p = 0; p < image.width * image.height; p++) {
    out.bitmap.set([...image.data.subarray(p * 3, p * 3 + 3), 255], p * 4);
  }
  return await out.encodeJPEG(90);
}

const shape = (label: number, seed: number) => generateShapeImage(label, 96, new SeededRandom(seed));

interface Server {
  url: string;
  engine: InferenceEngine;
  close: () => Promise<void>;
}

async function startServer(
  options: {
    load?: boolean;
    limits?: Partial<InferenceLimits>;
    maxPixels?: number;
    maxQueued?: number;
    adminToken?: string;
  } = {},
): Promise<Server> {
  const engine = new InferenceEngine({
    queue: new WorkQueue({ concurrency: 1, maxQueued: options.maxQueued ?? 16 }),
    maxPixels: options.maxPixels ?? 40e6,
    metrics: createInferenceMetrics(),
  });
  if (options.load !== false) await engine.adopt(await readCheckpointDir(checkpointDir));
  const app = createInferenceApp({ engine, limits: options.limits, adminToken: options.adminToken });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    engine,
    close: async () => {
      await server.shutdown();
      engine.slot.close();
    },
  };
}

async function post(url: string, body: BodyInit | Uint8Array, type = "image/jpeg") {
  const res = await fetch(url, { method: "POST", body: body as BodyInit, headers: { "content-type": type } });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

async function assertError(
  response: Promise<{ status: number; json: { error?: { code: string; message: string } } }>,
  status: number,
  code: string,
) {
  const { status: actual, json } = await response;
  assert.equal(actual, status, JSON.stringify(json));
  assert.equal(json.error?.code, code);
  assert.ok(json.error!.message.length > 0);
}

Deno.test("POST /v1/classify answers a JPEG with labelled top-k, timings and the model version", async () => {
  const server = await startServer();
  try {
    const { status, json } = await post(`${server.url}/v1/classify?topk=3`, await jpeg(shape(0, 1)));
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json.model.name, "shapes");
    assert.match(json.model.version, /-e001$/);
    assert.equal(json.predictions.length, 3);
    const zh: Record<string, string> = { disc: "圆盘", square: "正方形", triangle: "三角形", cross: "十字" };
    for (const p of json.predictions) {
      assert.equal(p.labels.zh, zh[p.label]);
      assert.equal(p.labels.en, p.label);
    }
    const probabilities = json.predictions.map((p: { probability: number }) => p.probability);
    assert.deepEqual(probabilities, [...probabilities].sort((a, b) => b - a));
    for (const key of ["decode", "preprocess", "infer", "total"]) assert.ok(json.timings[key] >= 0);

    // Multipart with a PNG gives the same kind of answer.
    const form = new FormData();
    form.append("image", new Blob([png(shape(1, 2)) as BlobPart], { type: "image/png" }), "square.png");
    const multipart = await fetch(`${server.url}/v1/classify`, { method: "POST", body: form });
    assert.equal(multipart.status, 200);
    assert.equal((await multipart.json()).predictions.length, 4);
  } finally {
    await server.close();
  }
});

Deno.test("POST /v1/classify/batch gives one result per image, errors in place", async () => {
  const server = await startServer();
  try {
    const form = new FormData();
    form.append("image", new Blob([await jpeg(shape(2, 3)) as BlobPart]), "a.jpg");
    form.append("image", new Blob([new TextEncoder().encode("nope") as BlobPart]), "b.txt");
    form.append("image", new Blob([png(shape(3, 4)) as BlobPart]), "c.png");
    const res = await fetch(`${server.url}/v1/classify/batch?topk=1`, { method: "POST", body: form });
    assert.equal(res.status, 200);
    const { results } = await res.json();
    assert.equal(results.length, 3);
    assert.equal(results[0].predictions.length, 1);
    assert.deepEqual(results[1], {
      image: 1,
      error: { code: "unsupported_media_type", message: "the body is not a JPEG or PNG image" },
    });
    assert.equal(results[2].predictions.length, 1);
  } finally {
    await server.close();
  }
});

Deno.test("bad input gets a 4xx JSON error and the service keeps answering correctly", async () => {
  const server = await startServer({ limits: { maxBodyBytes: 200_000 }, maxPixels: 1_000_000 });
  try {
    const good = await jpeg(shape(0, 5));
    await assertError(post(`${server.url}/v1/classify`, new Uint8Array(0)), 400, "empty_body");
    await assertError(post(`${server.url}/v1/classify`, "just text", "text/plain"), 415, "unsupported_media_type");
    await assertError(post(`${server.url}/v1/classify`, good.slice(0, good.length / 2)), 400, "corrupt_image");
    const brokenPng = png(shape(1, 6));
    brokenPng.fill(7, 60, 200);
    await assertError(post(`${server.url}/v1/classify`, brokenPng, "image/png"), 400, "corrupt_image");
    await assertError(post(`${server.url}/v1/classify?topk=0`, good), 400, "invalid_request");
    await assertError(post(`${server.url}/v1/classify?tta=twelve`, good), 400, "invalid_request");

    // 45 MP announced in a ~100 KB PNG header: refused before decoding.
    const huge = encodePng({
      width: 9000,
      height: 5000,
      data: new Uint8Array((9000 * 5000) / 8),
      channels: 1,
      depth: 1,
    });
    assert.ok(huge.length < 200_000);
    await assertError(post(`${server.url}/v1/classify`, huge, "image/png"), 413, "too_many_pixels");

    // A 50 MB streamed body is refused after reading little more than the limit.
    let pulled = 0;
    const chunk = new Uint8Array(64 * 1024);
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= 50_000_000) return controller.close();
        pulled += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const big = await fetch(`${server.url}/v1/classify`, {
      method: "POST",
      body: stream,
      headers: { "content-type": "image/jpeg" },
      // @ts-ignore: Deno's fetch takes duplex for streamed request bodies
      duplex: "half",
    });
    assert.equal(big.status, 413);
    assert.equal((await big.json()).error.code, "body_too_large");
    assert.ok(pulled < 10_000_000, `read ${pulled} bytes of a 50 MB body`);
    // Declared too large up front: refused from the header.
    await assertError(post(`${server.url}/v1/classify`, new Uint8Array(300_000)), 413, "body_too_large");

    const wrong = await fetch(`${server.url}/v1/classify`);
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get("allow"), "POST");
    assert.equal((await wrong.json()).error.code, "method_not_allowed");
    await assertError(post(`${server.url}/healthz`, good), 405, "method_not_allowed");
    const missing = await fetch(`${server.url}/v2/nothing`);
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.code, "not_found");

    const after = await post(`${server.url}/v1/classify`, good);
    assert.equal(after.status, 200);
    assert.equal(after.json.predictions.length, 4);
  } finally {
    await server.close();
  }
});

Deno.test("a full work queue answers 503 with Retry-After instead of queuing without bound", async () => {
  const server = await startServer({ maxQueued: 1 });
  try {
    const body = await jpeg(shape(2, 7));
    const responses = await Promise.all(Array.from({ length: 8 }, () => post(`${server.url}/v1/classify`, body)));
    const statuses = responses.map((r) => r.status);
    assert.ok(statuses.includes(200), `statuses ${statuses}`);
    const refused = responses.filter((r) => r.status === 503);
    assert.ok(refused.length >= 1, `statuses ${statuses}`);
    for (const r of refused) {
      assert.equal(r.json.error.code, "overloaded");
      assert.equal(r.headers.get("retry-after"), "1");
    }
    assert.equal((await post(`${server.url}/v1/classify`, body)).status, 200);
  } finally {
    await server.close();
  }
});

Deno.test("readiness, models, metrics, OpenAPI and docs describe the service", async () => {
  const server = await startServer({ load: false });
  try {
    assert.equal((await fetch(`${server.url}/healthz`).then((r) => r.json())).status, "ok");
    const notReady = await fetch(`${server.url}/readyz`);
    assert.equal(notReady.status, 503);
    await notReady.body?.cancel();
    await assertError(post(`${server.url}/v1/classify`, await jpeg(shape(0, 8))), 503, "no_model");

    await server.engine.adopt(await readCheckpointDir(checkpointDir));
    const ready = await fetch(`${server.url}/readyz`).then((r) => r.json());
    assert.equal(ready.status, "ready");
    assert.equal(ready.model.name, "shapes");
    const models = await fetch(`${server.url}/v1/models`).then((r) => r.json());
    assert.equal(models.loaded.name, "shapes");
    assert.equal(models.loaded.classes, 4);
    assert.deepEqual(models.versions, [models.loaded.version]);

    await post(`${server.url}/v1/classify`, await jpeg(shape(0, 9)));
    const metrics = await fetch(`${server.url}/metrics`).then((r) => r.text());
    assert.match(metrics, /alexnet_http_requests_total\{route="\/v1\/classify",method="POST",status="200"\} 1/);
    assert.match(metrics, /alexnet_http_requests_total\{route="\/v1\/classify",method="POST",status="503"\} 1/);
    assert.match(metrics, /alexnet_http_request_duration_seconds_bucket\{le="\+Inf",route="\/v1\/classify"\} 2/);
    assert.match(metrics, new RegExp(`alexnet_model_info\\{name="shapes",version="${models.loaded.version}"\\} 1`));
    assert.match(metrics, /alexnet_inference_queue_depth 0/);

    const openapi = await fetch(`${server.url}/openapi.json`).then((r) => r.json());
    assert.ok(openapi.paths["/v1/classify"].post.requestBody.content["image/jpeg"]);
    const params = openapi.paths["/v1/classify"].post.parameters.map((p: { name: string }) => p.name);
    assert.deepEqual(params.sort(), ["topk", "tta"]);
    const docs = await fetch(`${server.url}/docs`).then((r) => r.text());
    assert.match(docs, /POST \/v1\/classify\/batch/);
  } finally {
    await server.close();
  }
});

Deno.test("promote and rollback need the admin token, classify and the listings stay open", async () => {
  const closed = await startServer();
  try {
    const refused = await fetch(`${closed.url}/v1/models/rollback`, { method: "POST" });
    assert.equal(refused.status, 403);
    assert.equal((await refused.json()).error.code, "admin_disabled", "no admin token configured: refused");
  } finally {
    await closed.close();
  }
  const token = "the-admin-token-of-this-test";
  const server = await startServer({ adminToken: token });
  try {
    const promote = (authorization?: string) =>
      fetch(`${server.url}/v1/models/promote`, {
        method: "POST",
        body: JSON.stringify({ version: "v1" }),
        headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
      });
    const none = await promote();
    assert.equal(none.status, 401);
    assert.equal((await none.json()).error.code, "unauthorized");
    const wrong = await promote("Bearer not-the-admin-token-at-all");
    assert.equal(wrong.status, 403);
    assert.equal((await wrong.json()).error.code, "forbidden");
    // The right token reaches the endpoint, which says this replica serves a folder.
    const right = await promote(`Bearer ${token}`);
    assert.equal(right.status, 409);
    assert.equal((await right.json()).error.code, "not_managed");
    assert.equal((await post(`${server.url}/v1/classify`, await jpeg(shape(0, 11)))).status, 200);
    assert.equal((await fetch(`${server.url}/v1/checkpoints`).then((r) => r.json())).managed, false);
  } finally {
    await server.close();
  }
});
