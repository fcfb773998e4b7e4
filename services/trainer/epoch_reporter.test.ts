import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { decode } from "fast-png";
import { NatsServerProcess } from "../../shared/nats_server/mod.ts";
import {
  connectBus,
  type EpochMetrics,
  EpochMetricsSchema,
  EVENTS_STREAM,
  TrainProgressSchema,
  TrainStatusSchema,
  trainStatusSubject,
} from "../../shared/bus/mod.ts";
import { epochLine, EpochReporter } from "./epoch_reporter.ts";

const metrics = (epoch: number, valTop1: number | null): EpochMetrics => ({
  schema: "alexnet.train.epoch/v1",
  runId: "run-1",
  epoch,
  trainLoss: 1 / epoch,
  trainAccuracy: 0.5 + epoch / 10,
  valLoss: valTop1 === null ? null : 1.2 / epoch,
  valTop1,
  valTop5: null,
  learningRate: 0.01,
  seconds: 2.5,
  imagesPerSec: 40,
});

Deno.test("the epoch line says losses, accuracies, learning rate and speed", () => {
  assert.equal(
    epochLine(metrics(2, 0.75)),
    "epoch 2: train loss 0.5000 acc 70.0% | val loss 0.6000 top-1 75.0% | lr 0.01 | 2.5s, 40.0 img/s",
  );
  assert.equal(epochLine(metrics(1, null)), "epoch 1: train loss 1.0000 acc 60.0% | lr 0.01 | 2.5s, 40.0 img/s");
});

Deno.test("each epoch appends to metrics.jsonl, redraws the curves and prints its line (or JSON)", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "alexnet-reporter-" });
  const stdout: string[] = [], log: string[] = [];
  const options = { runId: "run-1", name: "shapes", outDir, quiet: true, json: true };
  const reporter = new EpochReporter(options, { log: (l) => log.push(l), stdout: (l) => stdout.push(l) });
  await reporter.begin();
  const history = [metrics(1, 0.5), metrics(2, 0.75)];
  for (const [i, m] of history.entries()) await reporter.epochDone(m, history.slice(0, i + 1));
  const lines = (await Deno.readTextFile(`${outDir}/metrics.jsonl`)).trim().split("\n");
  assert.deepEqual(lines.map((l) => EpochMetricsSchema.parse(JSON.parse(l)).epoch), [1, 2]);
  assert.deepEqual(stdout.map((l) => JSON.parse(l).epoch), [1, 2], "--json: metrics on stdout");
  assert.deepEqual(log, history.map(epochLine), "--json: the line goes to the log");
  assert.equal(((await Deno.readTextFile(`${outDir}/curves.svg`)).match(/<polyline/g) ?? []).length, 4);
  assert.equal(decode(await Deno.readFile(`${outDir}/curves.png`)).width, 1760);
  // A new run in the same folder starts metrics.jsonl afresh.
  await new EpochReporter(options, { log: () => {}, stdout: () => {} }).begin();
  assert.equal(await Deno.readTextFile(`${outDir}/metrics.jsonl`), "");
  await Deno.remove(outDir, { recursive: true });
});

Deno.test("with a bus, the run's status, progress and epochs are events in JetStream", async () => {
  const server = await NatsServerProcess.start();
  const nc = await connectBus(server.url);
  const outDir = await Deno.makeTempDir({ prefix: "alexnet-reporter-" });
  try {
    const io = { log: () => {}, stdout: () => {}, nats: nc, worker: "w1" };
    const reporter = new EpochReporter({ runId: "run-1", name: "shapes", outDir, quiet: true, json: false }, io);
    await reporter.begin();
    const progress = reporter.epoch(1, 10);
    progress.tick(6, 0.9);
    progress.tick(4, 0.7);
    assert.ok(progress.done() >= 0);
    await reporter.epochDone(metrics(1, 0.5), [metrics(1, 0.5)]);
    await reporter.finish([metrics(1, 0.5)]);
    await nc.flush();

    const jsm = await jetstreamManager(nc);
    const last = async (subject: string) =>
      (await jsm.streams.getMessage(EVENTS_STREAM, { last_by_subj: subject }))!.json();
    const p = TrainProgressSchema.parse(await last("alexnet.train.run-1.progress"));
    assert.deepEqual([p.seen, p.total, p.loss], [10, 10, 0.7]);
    assert.ok(p.imagesPerSec > 0, "the rate is measured even without a progress bar");
    assert.equal(EpochMetricsSchema.parse(await last("alexnet.train.run-1.epoch")).valTop1, 0.5);
    const status = TrainStatusSchema.parse(await last(trainStatusSubject("run-1")));
    assert.deepEqual([status.state, status.worker, status.message], ["done", "w1", "1 epochs, val top-1 50.0%"]);
  } finally {
    await nc.close();
    await server.stop({ removeStore: true });
    await Deno.remove(outDir, { recursive: true });
  }
});
