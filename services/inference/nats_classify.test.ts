import assert from "node:assert/strict";
import { encode as encodePng } from "fast-png";
import { NatsServerProcess } from "../../shared/nats_server/mod.ts";
import { selectBackend } from "../../shared/backend/mod.ts";
import { bytesToBase64, connectBus, INFERENCE_CLASSIFY } from "../../shared/bus/mod.ts";
import { encodeCheckpoint } from "../../shared/codec/mod.ts";
import { sampleManifestInfo } from "../../shared/checkpoint/mod.ts";
import { WorkQueue } from "../../shared/http/mod.ts";
import { generateShapeImage } from "../../shared/image/mod.ts";
import { SeededRandom } from "../../shared/random/mod.ts";
import { AlexNet } from "../../shared/model/mod.ts";
import { InferenceEngine } from "./inference_engine.ts";
import { serveInferenceOverNats } from "./nats_classify.ts";

await selectBackend("wasm");

async function replica(): Promise<{ engine: InferenceEngine }> {
  const model = AlexNet.create({ arch: "alexnet-owt", numClasses: 2, inputSize: 63, width: 0.25, seed: 3 });
  const files = await encodeCheckpoint(model, sampleManifestInfo({ name: "bus", classNames: ["cat", "dog"] }));
  model.dispose();
  const engine = new InferenceEngine({ queue: new WorkQueue({ concurrency: 1, maxQueued: 64 }), maxPixels: 40e6 });
  await engine.adopt(files);
  return { engine };
}

Deno.test("classify over NATS: replicas in the queue group share requests, bad requests get JSON errors", async () => {
  const nats = await NatsServerProcess.start();
  const nc = await connectBus(nats.url);
  const replicas = [await replica(), await replica()];
  const counts = [0, 0];
  const services = replicas.map((r, i) => {
    const original = r.engine.classify.bind(r.engine);
    r.engine.classify = (bytes, options) => {
      counts[i]++;
      return original(bytes, options);
    };
    return serveInferenceOverNats(nc, r.engine, 5);
  });
  try {
    const image = encodePng({ ...generateShapeImage(0, 70, new SeededRandom(1)), channels: 3, depth: 8 });
    const base64 = bytesToBase64(image);
    const request = JSON.stringify({ schema: "alexnet.inference.classify/v1", image: base64, topk: 2 });
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => nc.request(INFERENCE_CLASSIFY, request, { timeout: 20_000 })),
    );
    for (const reply of replies) {
      const body = reply.json<{ model: { name: string }; predictions: { labels: { zh: string } }[] }>();
      assert.equal(body.model.name, "bus");
      assert.deepEqual(body.predictions.map((p) => p.labels.zh).sort(), ["狗", "猫"]);
    }
    assert.equal(counts[0] + counts[1], 20);
    assert.ok(counts[0] > 0 && counts[1] > 0, `both replicas answered: ${counts}`);

    const bad = await nc.request(
      INFERENCE_CLASSIFY,
      JSON.stringify({ schema: "alexnet.inference.classify/v1", image: btoa("text") }),
    );
    assert.equal(bad.json<{ error: { code: string } }>().error.code, "unsupported_media_type");
    assert.equal(bad.headers?.get("Nats-Service-Error-Code"), "415", "the micro protocol's error header too");
    const malformed = await nc.request(INFERENCE_CLASSIFY, JSON.stringify({ image: 3 }));
    assert.equal(malformed.json<{ error: { code: string } }>().error.code, "invalid_request");
  } finally {
    await Promise.all(services.map((s) => s.stop()));
    replicas.forEach((r) => r.engine.slot.close());
    await nc.close();
    await nats.stop({ removeStore: true });
  }
});
