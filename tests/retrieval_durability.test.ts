/**
 * The retrieval index survives a SIGKILL: 200 images added over HTTP, the process killed
 * without warning, a new process rebuilds from JetStream and answers the same searches.
 */
import assert from "node:assert/strict";
import { encode as encodePng } from "fast-png";
import { NatsServerProcess } from "../shared/nats_server/mod.ts";
import { selectBackend } from "../shared/backend/mod.ts";
import { connectBus, publishCheckpoint, RETRIEVAL_SEARCH } from "../shared/bus/mod.ts";
import { encodeCheckpoint } from "../shared/codec/mod.ts";
import { sampleManifestInfo } from "../shared/checkpoint/mod.ts";
import { generateShapeImage } from "../shared/image/mod.ts";
import { SeededRandom } from "../shared/random/mod.ts";
import { AlexNet } from "../shared/model/mod.ts";
import { spawnService } from "./fixtures/spawn_service.ts";

await selectBackend("wasm");
const MAIN = new URL("../services/retrieval/main.ts", import.meta.url).pathname;
const ADMIN = "durability-admin-token";

async function startService(natsUrl: string): Promise<{ base: string; child: Deno.ChildProcess }> {
  const { base, child } = await spawnService(MAIN, ["--nats", natsUrl, "--model", "dur", "--admin-token", ADMIN]);
  const deadline = Date.now() + 60_000;
  while ((await fetch(`${base}/readyz`).then((r) => r.status, () => 0)) !== 200) {
    if (Date.now() > deadline) throw new Error("retrieval never became ready");
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base, child };
}

async function searches(base: string, queries: Uint8Array[]): Promise<unknown[]> {
  const out = [];
  for (const id of ["img-3", "img-77", "img-150"]) {
    const res = await fetch(`${base}/v1/search?k=10`, {
      method: "POST",
      body: JSON.stringify({ id }),
      headers: { "content-type": "application/json" },
    });
    out.push((await res.json()).results);
  }
  for (const bytes of queries) {
    const res = await fetch(`${base}/v1/search?k=10`, {
      method: "POST",
      body: bytes as BodyInit,
      headers: { "content-type": "image/png" },
    });
    out.push((await res.json()).results);
  }
  return out;
}

Deno.test("200 indexed images survive SIGKILL: the restarted service answers the same searches", async () => {
  const nats = await NatsServerProcess.start();
  const nc = await connectBus(nats.url);
  const model = AlexNet.create({ arch: "alexnet-owt", numClasses: 3, inputSize: 63, width: 0.25, seed: 6 });
  await publishCheckpoint(
    nc,
    await encodeCheckpoint(model, sampleManifestInfo({ name: "dur", classNames: ["disc", "square", "triangle"] })),
    { runId: "r", epoch: 1, best: true },
  );
  model.dispose();
  await nc.close();
  const rng = new SeededRandom(11);
  let service = await startService(nats.url);
  try {
    for (let i = 0; i < 200; i++) {
      const form = new FormData();
      form.append(
        "image",
        new Blob([encodePng({ ...generateShapeImage(i % 3, 64, rng), channels: 3, depth: 8 }) as BlobPart]),
      );
      form.append("id", `img-${i}`);
      form.append("metadata", JSON.stringify({ label: i % 3 }));
      const res = await fetch(`${service.base}/v1/images`, { method: "POST", body: form });
      assert.equal(res.status, 201, await res.text());
    }
    const deleted = await fetch(`${service.base}/v1/images/img-9`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    assert.equal(deleted.status, 200);
    await deleted.body?.cancel();
    const queries = [0, 1, 2].map((label) =>
      encodePng({ ...generateShapeImage(label, 64, rng), channels: 3, depth: 8 })
    );
    const before = await searches(service.base, queries);
    assert.equal((before[0] as unknown[]).length, 10);

    service.child.kill("SIGKILL");
    await service.child.status;
    service = await startService(nats.url);
    const status = await fetch(`${service.base}/v1/status`).then((r) => r.json());
    assert.equal(status.images, 199);
    assert.equal(status.indexed, 199);
    assert.deepEqual(await searches(service.base, queries), before);
    const missing = await fetch(`${service.base}/v1/images/img-9`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();

    // The same search answers over NATS (queue group alexnet-retrieval).
    const bus = await connectBus(nats.url);
    const reply = await bus.request(
      RETRIEVAL_SEARCH,
      JSON.stringify({ schema: "alexnet.retrieval.search/v1", id: "img-3", k: 10 }),
      { timeout: 10_000 },
    );
    assert.deepEqual(
      reply.json<{ results: { id: string }[] }>().results.map((r) => r.id),
      (before[0] as { id: string }[]).map((r) => r.id),
    );
    await bus.close();
  } finally {
    service.child.kill("SIGKILL");
    await service.child.status;
    await nats.stop({ removeStore: true });
  }
});
