/**
 * Faults with real processes, each bounded in time:
 * - NATS SIGKILLed and restarted while clients send classify requests: inference keeps
 *   answering (≥ 99.9%), reconnects, and hot-swaps a checkpoint published after the restart.
 * - Retrieval during the same outage: adds answer 503 with Retry-After (never 500) and leave
 *   nothing behind; every add answered 201 is searchable after NATS and retrieval restart.
 * - A trainer worker SIGKILLed mid-epoch: the job is redelivered, resumes from its last
 *   published checkpoint (at most the epoch in progress is lost), and every version —
 *   the final one included — is announced exactly once.
 */
import assert from "node:assert/strict";
import { taskArgs } from "../shared/cli/mod.ts";
import { NatsServerProcess } from "../shared/nats_server/mod.ts";
import { selectBackend } from "../shared/backend/mod.ts";
import {
  CHECKPOINT_PUBLISHED,
  CheckpointPublishedSchema,
  connectBus,
  publishCheckpoint,
  submitTrainJob,
  TrainProgressSchema,
  trainProgressSubject,
  trainStatusSubject,
} from "../shared/bus/mod.ts";
import { pollUntil } from "../shared/cli/mod.ts";
import { fetchJsonOrNull } from "../shared/http/mod.ts";
import { encodeRgbPng, generateShapeImage } from "../shared/image/mod.ts";
import { SeededRandom } from "../shared/random/mod.ts";
import { writeShapeFolder } from "./fixtures/shape_folder.ts";
import { spawnService } from "./fixtures/spawn_service.ts";
import { tinyCheckpoint } from "./fixtures/tiny_checkpoint.ts";

await selectBackend("wasm");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const png = (label: number, seed: number) =>
  encodeRgbPng(generateShapeImage(label, 80, new SeededRandom(seed))) as BodyInit;

async function stopChild(child: Deno.ChildProcess, signal: Deno.Signal = "SIGTERM"): Promise<void> {
  try {
    child.kill(signal);
  } catch {
    // already gone
  }
  await child.status;
}

Deno.test({
  name: "NATS SIGKILLed under classify traffic: ≥ 99.9% answered, reconnects, hot-swaps a version published after",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const nats = await NatsServerProcess.start();
    const [v1, v2] = ["20261130T000000Z-fault-e001", "20261130T000000Z-fault-e002"];
    let nc = await connectBus(nats.url, "fault-publisher");
    await publishCheckpoint(nc, await tinyCheckpoint("fault", v1), { runId: "r", epoch: 1, best: true });
    await nc.close();
    const service = await spawnService("services/inference/main.ts", ["--nats", nats.url, "--model", "fault"]);
    const serving = async () => (await fetchJsonOrNull(`${service.base}/readyz`))?.model?.version;
    try {
      await pollUntil("inference to serve v1", async () => (await serving()) === v1, { timeoutMs: 60_000 });
      let answered = 0, failed = 0, stop = false;
      const failures: string[] = [];
      const client = async (seed: number) => {
        const body = png(seed % 4, seed);
        while (!stop) {
          try {
            const r = await fetch(`${service.base}/v1/classify`, {
              method: "POST",
              body,
              headers: { "content-type": "image/png" },
            });
            const text = await r.text();
            if (r.status === 200) answered++;
            else failed++, failures.push(`${r.status} ${text}`);
          } catch (error) {
            failed++, failures.push(String(error));
          }
        }
      };
      const clients = [client(1), client(2)];
      await sleep(1500);
      await nats.stop({ signal: "SIGKILL" });
      const outageStart = answered;
      await sleep(4000);
      const duringOutage = answered - outageStart;
      await nats.restart();
      await sleep(2000);
      nc = await connectBus(nats.url, "fault-publisher");
      await publishCheckpoint(nc, await tinyCheckpoint("fault", v2, 2), { runId: "r", epoch: 2, best: true });
      await nc.close();
      await pollUntil("inference to hot-swap v2 after the restart", async () => (await serving()) === v2, {
        timeoutMs: 60_000,
      });
      await sleep(500);
      stop = true;
      await Promise.all(clients);
      const rate = answered / (answered + failed);
      console.log(
        `classify under a NATS SIGKILL: ${answered}/${answered + failed} answered 200 ` +
          `(${(rate * 100).toFixed(2)}%), ${duringOutage} during the 4 s outage; v2 swapped in after the restart`,
      );
      assert.ok(duringOutage > 0, "classify kept answering while NATS was down");
      assert.ok(rate >= 0.999, `success ${rate}: ${failures.slice(0, 5).join("; ")}`);
    } finally {
      await stopChild(service.child);
      await nats.stop({ removeStore: true });
    }
  },
});

Deno.test({
  name:
    "retrieval during a NATS outage: adds get 503 + Retry-After and leave nothing; every 201 survives both restarts",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const nats = await NatsServerProcess.start();
    const version = "20261130T000000Z-rfault-e001";
    const nc = await connectBus(nats.url, "fault-publisher");
    await publishCheckpoint(nc, await tinyCheckpoint("rfault", version), { runId: "r", epoch: 1, best: true });
    await nc.close();
    const start = () => spawnService("services/retrieval/main.ts", ["--nats", nats.url, "--model", "rfault"]);
    let service = await start();
    const status = async () => await fetchJsonOrNull(`${service.base}/v1/status`);
    const add = async (id: string, seed: number) => {
      const form = new FormData();
      form.append("image", new Blob([png(seed % 4, seed) as BlobPart], { type: "image/png" }), `${id}.png`);
      form.append("id", id);
      const r = await fetch(`${service.base}/v1/images`, { method: "POST", body: form });
      return { status: r.status, retryAfter: r.headers.get("retry-after"), body: await r.json() };
    };
    const stored: string[] = [], refused: string[] = [];
    try {
      await pollUntil("retrieval to load the model", async () => (await status())?.model?.version === version, {
        timeoutMs: 60_000,
      });
      for (let i = 0; i < 3; i++) {
        const r = await add(`before-${i}`, 100 + i);
        assert.equal(r.status, 201, JSON.stringify(r.body));
        stored.push(`before-${i}`);
      }
      await nats.stop({ signal: "SIGKILL" });
      for (let i = 0; i < 5; i++) {
        const r = await add(`during-${i}`, 200 + i);
        assert.equal(r.status, 503, `an add during the outage: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.code, "bus_unavailable");
        assert.ok(Number(r.retryAfter) > 0, "Retry-After tells the client when to try again");
        refused.push(`during-${i}`);
      }
      const search = await fetch(`${service.base}/v1/search?k=2`, {
        method: "POST",
        body: png(1, 7),
        headers: { "content-type": "image/png" },
      });
      assert.equal(search.status, 200, "search answers from memory during the outage");
      await search.body?.cancel();
      await nats.restart();
      for (let i = 0; i < 3; i++) {
        let r = await add(`after-${i}`, 300 + i);
        for (let tries = 0; r.status === 503 && tries < 40; tries++) {
          await sleep(250); // until the service has reconnected
          r = await add(`after-${i}`, 300 + i);
        }
        assert.equal(r.status, 201, JSON.stringify(r.body));
        stored.push(`after-${i}`);
      }
      await stopChild(service.child);
      await nats.stop();
      await nats.restart();
      service = await start();
      await pollUntil("retrieval to replay the catalogue", async () => {
        const s = await status();
        return s?.model?.version === version && s.indexed === stored.length && !s.reindexing;
      }, { timeoutMs: 60_000 });
      for (const id of stored) {
        const image = await fetch(`${service.base}/v1/images/${id}`);
        assert.equal(image.status, 200, `${id} is still catalogued`);
        await image.body?.cancel();
        const byId = await fetch(`${service.base}/v1/search`, {
          method: "POST",
          body: JSON.stringify({ id, k: 3 }),
          headers: { "content-type": "application/json" },
        });
        assert.equal(byId.status, 200, `${id} is searchable`);
        assert.equal((await byId.json()).results.length, 3);
      }
      for (const id of refused) {
        const image = await fetch(`${service.base}/v1/images/${id}`);
        assert.equal(image.status, 404, `the refused ${id} left nothing behind`);
        await image.body?.cancel();
      }
    } finally {
      await stopChild(service.child);
      await nats.stop({ removeStore: true });
    }
  },
});

Deno.test({
  name: "a trainer worker SIGKILLed mid-epoch: the job resumes on another from its last checkpoint, each version once",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const nats = await NatsServerProcess.start();
    const nc = await connectBus(nats.url, "fault-observer");
    const data = await writeShapeFolder(12);
    const runs = await Deno.makeTempDir({ prefix: "alexnet-fault-runs-" });
    const logs: string[] = [];
    const worker = (name: string) => {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          ...taskArgs("serve:trainer", [`--allow-write=${runs}`]),
          ...["--nats", nats.url, "--name", name],
          ...["--runs", runs, "--backend", "wasm", "--ack-wait-s", "5"],
        ],
        stdout: "null",
        stderr: "piped",
      }).spawn();
      (async () => {
        for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) logs.push(chunk);
      })().catch(() => {});
      return child;
    };
    const first = worker("first");
    let second: Deno.ChildProcess | null = null;
    try {
      await pollUntil(
        "the first worker to wait for jobs",
        () => Promise.resolve(logs.join("").includes("waiting for jobs")),
        {
          timeoutMs: 30_000,
        },
      );
      // Every checkpoint announcement, as any subscriber sees them.
      const announced: string[] = [];
      const announcements = nc.subscribe(CHECKPOINT_PUBLISHED, {
        callback: (_, m) => void announced.push(CheckpointPublishedSchema.parse(m.json()).version),
      });
      const epochs = 4;
      const job = await submitTrainJob(nc, [
        ...["--data", data, "--epochs", String(epochs), "--input-size", "63", "--width", "0.25"],
        ...["--batch-size", "8", "--name", "tfault", "--seed", "3"],
      ], "tfault");
      // Kill the first worker once it is inside epoch 3 (epochs 1 and 2 published).
      const progress = nc.subscribe(trainProgressSubject(job.jobId));
      for await (const m of progress) {
        if (TrainProgressSchema.parse(m.json()).epoch === 3) break;
      }
      progress.unsubscribe();
      await stopChild(first, "SIGKILL");
      const killedAt = Date.now();
      second = worker("second");
      const statuses = nc.subscribe(trainStatusSubject(job.jobId));
      for await (const m of statuses) {
        if ((m.json() as { state: string }).state === "done") break;
      }
      statuses.unsubscribe();
      await nc.flush();
      announcements.unsubscribe();
      console.log(
        `trainer worker SIGKILLed in epoch 3: the job finished on another ${(Date.now() - killedAt) / 1000} s later`,
      );

      const expected = [1, 2, 3, 4].map((e) => `${job.jobId}-e00${e}`);
      assert.deepEqual(announced, expected, "each epoch's version once, the final one included");
      const all = logs.join("");
      assert.match(all, new RegExp(`an earlier attempt published ${job.jobId}-e002; 2 epoch\\(s\\) left`));
      assert.match(all, /resume: .*epoch 2\)/, "the second attempt started from epoch 2's checkpoint");
    } finally {
      const stopping = Date.now();
      if (second) await stopChild(second);
      await stopChild(first, "SIGKILL");
      console.log(`workers stopped in ${Date.now() - stopping} ms`);
      await nc.close();
      await nats.stop({ removeStore: true });
      await Deno.remove(runs, { recursive: true }).catch(() => {});
    }
  },
});
