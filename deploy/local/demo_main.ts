/**
 * `deno task demo`: the whole system, end to end, in one command. Brings the local stack up,
 * hands a training job to the trainer worker (generated shapes, or `--data DIR`), indexes
 * sample images into retrieval as soon as it has a model, watches inference hot-load and
 * retrieval re-embed each new checkpoint, then classifies and searches with the final
 * version, prints the URLs, and keeps everything running until Ctrl-C (`--once`: exit with
 * 0 only if every check passed).
 *
 * @module
 */
import { basename, resolve } from "node:path";
import {
  connectBus,
  EpochMetricsSchema,
  listCheckpointVersions,
  type NatsConnection,
  submitTrainJob,
  TrainProgressSchema,
  TrainStatusSchema,
} from "../../shared/bus/mod.ts";
import { numberFlag, parseFlags, pollUntil, ProgressBar, runCli, UsageError } from "../../shared/cli/mod.ts";
import { fetchJsonOrNull } from "../../shared/http/mod.ts";
import { encodeRgbPng, GENERATED_CLASSES, generateShapeImage, scanImageFolder } from "../../shared/image/mod.ts";
import { SeededRandom } from "../../shared/random/mod.ts";
import { DEFAULT_STACK, LocalStack, prefixed } from "./local_stack.ts";
import { STACK_FLAG_HELP, STACK_FLAG_OPTIONS, stackOptions } from "./stack_flags.ts";
import { untilSignal } from "./up_main.ts";

const HELP = `The whole system in one command: stack up, train, hot-load, index, classify, search.

Usage: deno task demo [--data DIR] [--epochs N] [--width F] [--once] [stack options]

  --data DIR              train on this folder (Kaggle cat.1.jpg layout or one folder per class);
                          default: generated shapes
  --epochs N              (default 10)
  --width F               layer width multiplier of the demo model (default 0.5: quick on a CPU)
  --input-size N          (default 63 on generated shapes, 128 with --data)
  --once                  exit after the checks: status 0 only if all passed
${STACK_FLAG_HELP}`;

/** A labelled sample image for indexing and queries. */
interface Sample {
  name: string;
  label: string;
  bytes: Uint8Array;
  type: string;
}

/**
 * Images to index (`library`) and to ask with (`queries`): generated shapes with different
 * seeds, or from `--data` the last file of each class as a query and the `perClass` before
 * it for the library. (The trainer's random split may have trained on some of them; the demo
 * shows the plumbing, `retrieval:eval` measures quality.)
 */
async function samples(data: string | null, perClass: number, which: "library" | "queries"): Promise<Sample[]> {
  if (!data) {
    const rng = new SeededRandom(`demo-${which}`);
    const count = which === "library" ? perClass : 1;
    return Array.from({ length: count * GENERATED_CLASSES.length }, (_, i) => {
      const label = i % GENERATED_CLASSES.length;
      return {
        name: `${which}-${GENERATED_CLASSES[label]}-${Math.floor(i / GENERATED_CLASSES.length)}.png`,
        label: GENERATED_CLASSES[label],
        bytes: encodeRgbPng(generateShapeImage(label, 96, rng)),
        type: "image/png",
      };
    });
  }
  const folder = await scanImageFolder(data);
  const picked = folder.classNames.flatMap((_, c) => {
    const files = folder.files.filter((f) => f.label === c);
    return which === "queries" ? files.slice(-1) : files.slice(-1 - perClass, -1);
  });
  return await Promise.all(picked.map(async (f) => ({
    name: basename(f.path),
    label: folder.classNames[f.label],
    bytes: await Deno.readFile(f.path),
    type: /\.png$/i.test(f.path) ? "image/png" : "image/jpeg",
  })));
}

const getJson = fetchJsonOrNull;
const waitUntil = (what: string, check: () => Promise<boolean>, timeoutMs: number) =>
  pollUntil(what, check, { timeoutMs, intervalMs: 500 });

/** Shows the job's progress (count, rate, ETA per epoch) and resolves when it is done. */
function followJob(nc: NatsConnection, jobId: string, say: (line: string) => void): Promise<void> {
  const sub = nc.subscribe(`alexnet.train.${jobId}.*`);
  let bar: ProgressBar | null = null;
  let barEpoch = 0, seen = 0;
  return (async () => {
    for await (const m of sub) {
      const kind = m.subject.split(".").at(-1);
      if (kind === "progress") {
        const p = TrainProgressSchema.parse(m.json());
        if (p.epoch !== barEpoch) {
          // The bar starts at the first report, so its rate counts from there.
          bar?.done();
          bar = new ProgressBar(prefixed("demo", `epoch ${p.epoch}`), p.total - p.seen, { unit: "images" });
          barEpoch = p.epoch;
          seen = p.seen;
          continue;
        }
        bar!.tick(p.seen - seen, `loss ${p.loss.toFixed(3)}`);
        seen = p.seen;
      } else if (kind === "epoch") {
        const e = EpochMetricsSchema.parse(m.json());
        bar?.done();
        bar = null;
        barEpoch = 0;
        say(
          `epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(3)}, val top-1 ${
            e.valTop1 === null ? "–" : (e.valTop1 * 100).toFixed(1) + "%"
          }, ${e.imagesPerSec.toFixed(1)} images/s`,
        );
      } else if (kind === "status") {
        const s = TrainStatusSchema.parse(m.json());
        say(`job ${s.state}${s.worker ? ` on ${s.worker}` : ""}${s.message ? `: ${s.message}` : ""}`);
        if (s.state === "failed") throw new Error(`the training job failed: ${s.message}`);
        if (s.state === "done") break;
      }
    }
    sub.unsubscribe();
  })();
}

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** The training job's flags: the demo model, on the folder (128 px) or on generated shapes. */
function trainArgsOf(
  model: string,
  epochs: number,
  values: { width?: string; "input-size"?: string },
  data: string | null,
) {
  return [
    "--name",
    model,
    "--epochs",
    String(epochs),
    "--width",
    values.width!,
    ...(data ? ["--data", data, "--input-size", values["input-size"] ?? "128"] : []),
    ...(!data && values["input-size"] ? ["--input-size", values["input-size"]] : []),
  ];
}

/** Adds every sample to the retrieval catalogue with its label; returns how many. */
async function indexSamples(retrievalUrl: string, library: Sample[]): Promise<number> {
  const bar = new ProgressBar(prefixed("demo", "index"), library.length, { unit: "images" });
  for (const sample of library) {
    const form = new FormData();
    form.append("image", new Blob([sample.bytes as BlobPart], { type: sample.type }), sample.name);
    form.append("metadata", JSON.stringify({ label: sample.label, name: sample.name }));
    const response = await fetch(`${retrievalUrl}/v1/images`, { method: "POST", body: form });
    if (!response.ok) throw new Error(`indexing ${sample.name}: ${await response.text()}`);
    await response.body?.cancel();
    bar.tick();
  }
  bar.done();
  return library.length;
}

/** Classifies one sample: served by the newest checkpoint, with its top class. */
async function checkClassify(inferenceUrl: string, query: Sample, newest: string): Promise<Check> {
  const classify = await fetch(`${inferenceUrl}/v1/classify?topk=3`, {
    method: "POST",
    body: query.bytes as BodyInit,
    headers: { "content-type": query.type },
  });
  const c = await classify.json();
  const top = c.predictions?.[0];
  return {
    name: "classify",
    ok: classify.ok && c.model?.version === newest,
    detail: classify.ok
      ? `${query.name} (a ${query.label}) → ${top.label} ${(top.probability * 100).toFixed(1)}% / ${top.labels.zh}` +
        ` by ${c.model.name}@${c.model.version}, ${c.timings.total.toFixed(1)} ms`
      : JSON.stringify(c),
  };
}

/** Searches by one sample: answered under the newest checkpoint, with five neighbours. */
async function checkSearch(retrievalUrl: string, query: Sample, newest: string, indexed: number): Promise<Check> {
  const search = await fetch(`${retrievalUrl}/v1/search?k=5`, {
    method: "POST",
    body: query.bytes as BodyInit,
    headers: { "content-type": query.type },
  });
  const s = await search.json();
  const hits = (s.results ?? []) as { metadata: { label: string }; score: number }[];
  return {
    name: "search",
    ok: search.ok && s.model?.version === newest && hits.length === Math.min(5, indexed),
    detail: search.ok
      ? `${query.name} (a ${query.label}) → ${
        hits.map((h) => `${h.metadata.label} ${h.score.toFixed(3)}`).join(", ")
      }` +
        ` by ${s.model.name}@${s.model.version}`
      : JSON.stringify(s),
  };
}

/** Trains through the worker, indexes samples meanwhile, waits for both services to adopt the newest checkpoint, checks them. */
async function runDemo(
  stack: LocalStack,
  nc: NatsConnection,
  model: string,
  trainArgs: string[],
  data: string | null,
  say: (line: string) => void,
): Promise<Check[]> {
  const job = await submitTrainJob(nc, trainArgs, model);
  say(`submitted training job ${job.jobId}: train ${trainArgs.join(" ")}`);
  const finished = followJob(nc, job.jobId, say);
  // Index as soon as retrieval has any model; later checkpoints re-embed these in the background.
  const library = await samples(data, data ? 12 : 6, "library");
  const queries = await samples(data, 1, "queries");
  await waitUntil(
    "retrieval to load the first checkpoint",
    async () => !!(await getJson(`${stack.retrievalUrl}/v1/status`))?.model,
    30 * 60_000,
  );
  const indexed = await indexSamples(stack.retrievalUrl, library);
  await finished;
  const newest = (await listCheckpointVersions(nc, model)).filter((v) => v.startsWith(job.jobId)).at(-1);
  if (!newest) throw new Error("the job published no checkpoint");
  say(`newest checkpoint ${model}@${newest}; waiting for inference and retrieval to adopt it`);
  await waitUntil(
    "inference to serve it",
    async () => (await getJson(`${stack.inferenceUrl}/readyz`))?.model?.version === newest,
    120_000,
  );
  await waitUntil("retrieval to re-embed every image with it", async () => {
    const s = await getJson(`${stack.retrievalUrl}/v1/status`);
    return s?.model?.version === newest && s?.indexed === indexed && !s?.reindexing;
  }, 300_000);
  say(`inference and retrieval both use ${newest}`);
  return [
    await checkClassify(stack.inferenceUrl, queries[0], newest),
    await checkSearch(stack.retrievalUrl, queries[1], newest, indexed),
  ];
}

async function main(args: string[]): Promise<number> {
  const { values } = parseFlags({
    args,
    options: {
      ...STACK_FLAG_OPTIONS,
      data: { type: "string" },
      epochs: { type: "string", default: "10" },
      width: { type: "string", default: "0.5" },
      "input-size": { type: "string" },
      once: { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values["no-trainer"]) throw new UsageError("the demo trains through the worker; drop --no-trainer");
  const epochs = numberFlag("epochs", values.epochs, { min: 1 });
  const data = values.data ? resolve(values.data) : null;
  if (data) await scanImageFolder(data); // a bad folder is a usage error before anything starts
  // The demo is for local experiments: unsigned checkpoints are accepted too (its own trainer signs).
  const options = stackOptions(values, { ...DEFAULT_STACK, model: "demo", allowUnsigned: true });
  const say = (line: string) => console.error(prefixed("demo", line));
  const started = performance.now();
  const stack = await LocalStack.start(options);
  const nc = await connectBus(stack.natsUrl, "demo", { nkey: stack.natsSeeds.admin });
  let checks: Check[];
  try {
    checks = await runDemo(stack, nc, options.model, trainArgsOf(options.model, epochs, values, data), data, say);
  } catch (error) {
    checks = [{ name: "demo", ok: false, detail: (error as Error).message }];
  } finally {
    await nc.drain();
  }
  for (const check of checks) say(`${check.ok ? "PASS" : "FAIL"} ${check.name}: ${check.detail}`);
  const passed = checks.length >= 2 && checks.every((c) => c.ok);
  say(`${passed ? "all checks passed" : "checks FAILED"} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  console.error(
    "\n" + Object.entries(stack.urls).map(([page, url]) => `  ${page.padEnd(9)} ${url}`).join("\n") +
      `\n  admin token (Promote / Roll back on the training page): ${stack.adminToken}\n`,
  );
  if (!values.once) {
    console.error("running until Ctrl-C");
    await untilSignal();
  }
  await stack.stop();
  return passed ? 0 : 1;
}

if (import.meta.main) await runCli(() => main(Deno.args));
