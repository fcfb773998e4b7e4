import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { taskArgs } from "../../shared/cli/mod.ts";
import { NatsServerProcess } from "../../shared/nats_server/mod.ts";
import { selectBackend } from "../../shared/backend/mod.ts";
import {
  connectBus,
  listCheckpointVersions,
  submitTrainJob,
  TRAIN_EVENTS_WILDCARD,
  type TrainStatus,
  TrainStatusSchema,
} from "../../shared/bus/mod.ts";
import { pollUntil } from "../../shared/cli/mod.ts";
import { runTraining } from "./app.ts";
import { TrainJobConsumer } from "./train_job_consumer.ts";

await selectBackend("wasm");

const TINY = ["--epochs", "1", "--limit", "6", "--width", "0.125", "--batch-size", "8", "--backend", "wasm"];

const until = (check: () => boolean, timeoutMs: number, what: string) =>
  pollUntil(what, check, { timeoutMs, intervalMs: 100 });

Deno.test("two workers share the job queue: each job runs exactly once, bad jobs fail without redelivery", async () => {
  const nats = await NatsServerProcess.start();
  const nc = await connectBus(nats.url);
  const runs = await Deno.makeTempDir();
  const statuses: TrainStatus[] = [];
  const sub = nc.subscribe(TRAIN_EVENTS_WILDCARD);
  (async () => {
    for await (const m of sub) {
      if (m.subject.endsWith(".status")) statuses.push(TrainStatusSchema.parse(m.json()));
    }
  })();
  const ran: string[] = [];
  const workers = ["w1", "w2"].map((name) =>
    new TrainJobConsumer(nc, {
      worker: name,
      log: () => {},
      runsDir: runs,
      train: (config, io) => {
        ran.push(`${name}:${config.runId}`);
        return runTraining(config, io);
      },
    })
  );
  const loops = workers.map((w) => w.run());
  try {
    const jobs = [];
    for (let i = 0; i < 3; i++) {
      jobs.push(await submitTrainJob(nc, [...TINY, "--name", "jobs", "--seed", String(i)], "jobs"));
    }
    const bad = await submitTrainJob(nc, ["--epochs", "0"], "jobs");
    await until(
      () => statuses.filter((s) => s.state === "done" || s.state === "failed").length >= 4,
      120_000,
      "4 jobs",
    );
    const ids = ran.map((r) => r.split(":")[1]).sort();
    assert.deepEqual(ids, jobs.map((j) => j.jobId).sort(), "every good job ran once, the bad one never trained");
    const states = (id: string) => statuses.filter((s) => s.runId === id).map((s) => s.state);
    for (const job of jobs) assert.deepEqual(states(job.jobId), ["queued", "running", "done"]);
    assert.deepEqual(states(bad.jobId), ["queued", "failed"]);
    assert.match(statuses.find((s) => s.state === "failed")!.message ?? "", /--epochs/);
    assert.equal((await listCheckpointVersions(nc, "jobs")).length, 3, "each job published its checkpoint");
    assert.equal(workers[0].finished.length + workers[1].finished.length, 3);
  } finally {
    workers.forEach((w) => w.stop());
    await Promise.all(loops);
    sub.unsubscribe();
    await nc.drain();
    await nats.stop({ removeStore: true });
  }
});

Deno.test("train --submit queues a job instead of training and prints its id", async () => {
  const nats = await NatsServerProcess.start();
  try {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [...taskArgs("train"), ...TINY, "--submit", "--nats", nats.url],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    const printed = JSON.parse(new TextDecoder().decode(stdout));
    assert.deepEqual(printed.args, TINY, "the job carries the train flags without --submit/--nats");
    const nc = await connectBus(nats.url);
    const jsm = await jetstreamManager(nc);
    assert.equal((await jsm.streams.info("ALEXNET_JOBS")).state.messages, 1);
    await nc.drain();
    const missing = await new Deno.Command(Deno.execPath(), {
      args: [...taskArgs("train"), "--submit"],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(missing.code, 2);
    assert.match(new TextDecoder().decode(missing.stderr), /--submit needs --nats URL/);
  } finally {
    await nats.stop({ removeStore: true });
  }
});
