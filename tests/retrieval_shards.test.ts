/**
 * Retrieval in three shards (real processes on a real nats-server): each indexes only the ids
 * that hash to it, every shard answers a search for all of them (scatter-gather over NATS), and
 * with one shard SIGKILLed the answer comes back in time, marked `partial: true`.
 */
import assert from "node:assert/strict";
import { NatsServerProcess } from "../shared/nats_server/mod.ts";
import { selectBackend } from "../shared/backend/mod.ts";
import { connectBus, publishCheckpoint } from "../shared/bus/mod.ts";
import { pollUntil } from "../shared/cli/mod.ts";
import { fetchJsonOrNull } from "../shared/http/mod.ts";
import { encodeRgbPng, generateShapeImage } from "../shared/image/mod.ts";
import { SeededRandom } from "../shared/random/mod.ts";
import { shardOf } from "../services/retrieval/shards.ts";
import { spawnService } from "./fixtures/spawn_service.ts";
import { tinyCheckpoint } from "./fixtures/tiny_checkpoint.ts";

await selectBackend("wasm");

const png = (seed: number) => encodeRgbPng(generateShapeImage(seed % 4, 80, new SeededRandom(seed))) as BodyInit;

Deno.test({
  name: "three shards: each indexes its own ids, any shard answers for all, a killed shard makes answers partial",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const nats = await NatsServerProcess.start();
    const version = "20261130T000000Z-shard-e001";
    const nc = await connectBus(nats.url, "shard-publisher");
    await publishCheckpoint(nc, await tinyCheckpoint("shard", version), { runId: "r", epoch: 1, best: true });
    await nc.close();
    const shards = await Promise.all([0, 1, 2].map((i) =>
      spawnService("services/retrieval/main.ts", [
        "--nats",
        nats.url,
        "--model",
        "shard",
        "--shard",
        `${i}/3`,
        "--shard-timeout-ms",
        "1500",
      ])
    ));
    const status = (i: number) => fetchJsonOrNull(`${shards[i].base}/v1/status`);
    const search = async (i: number, body: BodyInit, json = false) => {
      const r = await fetch(`${shards[i].base}/v1/search?k=30`, {
        method: "POST",
        body,
        headers: { "content-type": json ? "application/json" : "image/png" },
      });
      assert.equal(r.status, 200);
      return await r.json();
    };
    try {
      for (let i = 0; i < 3; i++) {
        await pollUntil(`shard ${i} to load the model`, async () => (await status(i))?.model?.version === version, {
          timeoutMs: 60_000,
        });
      }
      // Every add goes to shard 0; the owners index their ids from the catalogue as it changes.
      const ids = Array.from({ length: 18 }, (_, i) => `img-${i}`);
      for (const [i, id] of ids.entries()) {
        const form = new FormData();
        form.append("image", new Blob([png(100 + i) as BlobPart], { type: "image/png" }), `${id}.png`);
        form.append("id", id);
        const r = await fetch(`${shards[0].base}/v1/images`, { method: "POST", body: form });
        assert.equal(r.status, 201, JSON.stringify(await r.json()));
      }
      const owned = [0, 1, 2].map((s) => ids.filter((id) => shardOf(id, 3) === s));
      assert.ok(owned.every((o) => o.length > 0), `every shard owns some of ${ids.length} ids`);
      await pollUntil("each shard to index exactly its own ids", async () => {
        const counts = await Promise.all([0, 1, 2].map(async (i) => (await status(i))?.indexed));
        return counts.every((n, i) => n === owned[i].length);
      }, { timeoutMs: 60_000 });
      for (let i = 0; i < 3; i++) {
        const s = await status(i);
        assert.equal(s.shard, `${i}/3`);
        assert.equal(s.images, 18, "every shard keeps the whole catalogue");
      }

      // Any shard answers for all 18; an image finds itself first, whichever shard owns it.
      for (const via of [1, 2]) {
        const answer = await search(via, png(100 + 7));
        assert.equal(answer.partial, false);
        assert.deepEqual(answer.shards, { answered: 3, total: 3 });
        assert.equal(answer.results.length, 18);
        assert.equal(answer.results[0].id, "img-7");
        assert.ok(Math.abs(answer.results[0].score - 1) < 1e-4);
      }
      const notOwnedBy1 = owned[0][0];
      const byId = await search(1, JSON.stringify({ id: notOwnedBy1, k: 5 }), true);
      assert.equal(byId.results.length, 5);
      assert.ok(!byId.results.some((h: { id: string }) => h.id === notOwnedBy1), "the query image is left out");

      // Shard 2 dies: answers still come, within the shard timeout, marked partial.
      shards[2].child.kill("SIGKILL");
      await shards[2].child.status;
      const started = performance.now();
      const partial = await search(0, png(100 + 7));
      const took = performance.now() - started;
      assert.equal(partial.partial, true);
      assert.deepEqual(partial.shards, { answered: 2, total: 3 });
      assert.equal(partial.results.length, owned[0].length + owned[1].length);
      assert.ok(!partial.results.some((h: { id: string }) => owned[2].includes(h.id)));
      assert.ok(took < 10_000, `a partial answer took ${took} ms`);
    } finally {
      for (const s of shards) {
        try {
          s.child.kill("SIGTERM");
        } catch {
          // already gone
        }
        await s.child.status;
      }
      await nats.stop({ removeStore: true });
    }
  },
});
