/**
 * `deno task train`: parses flags into a {@linkcode TrainConfig}, picks the backend,
 * connects to NATS when asked, runs the training (or queues it for a worker with `--submit`)
 * and prints a summary.
 *
 * @module
 */
import { describeBackendChoice, selectBackend } from "../../shared/backend/mod.ts";
import { connectBus, submitTrainJob } from "../../shared/bus/mod.ts";
import { runCli, UsageError } from "../../shared/cli/mod.ts";
import { runTraining } from "./app.ts";
import { jobArgs, parseTrainArgs, TRAIN_HELP } from "./train_args.ts";

async function main(args: string[]): Promise<number> {
  const submit = args.includes("--submit");
  const config = parseTrainArgs(args.filter((a) => a !== "--submit"));
  if (config === "help") {
    console.log(TRAIN_HELP);
    return 0;
  }
  if (submit) {
    if (!config.nats) throw new UsageError("--submit needs --nats URL (the queue the workers read)");
    const nc = await connectBus(config.nats, "trainer-submit", config.natsIdentity);
    try {
      const job = await submitTrainJob(nc, jobArgs(args), config.name);
      console.log(JSON.stringify({ jobId: job.jobId, args: job.args }));
      console.error(`queued job ${job.jobId}; a worker (deno task serve:trainer) will run it`);
    } finally {
      await nc.drain();
    }
    return 0;
  }
  const log = (line: string) => console.error(line);
  log(describeBackendChoice(await selectBackend(config.backend, { shaderF16: config.shaderF16 })));
  const nats = config.nats ? await connectBus(config.nats, `trainer-${config.name}`, config.natsIdentity) : undefined;
  try {
    const result = await runTraining(config, { log, stdout: (line) => console.log(line), nats });
    const last = result.epochs.at(-1);
    const best = result.epochs.find((e) => e.epoch === result.bestEpoch);
    for (const s of result.skipped) log(`skipped ${s.path}: ${s.reason}`);
    log(
      `done: ${result.epochs.length} epochs, ${result.trainCount} train / ${result.valCount} val images; ` +
        `final val top-1 ${last?.valTop1 === null || !last ? "n/a" : (last.valTop1 * 100).toFixed(1) + "%"}, ` +
        `best epoch ${result.bestEpoch}${best?.valTop1 != null ? ` (${(best.valTop1 * 100).toFixed(1)}%)` : ""}; ` +
        `skipped ${result.skipped.length} unreadable, ignored ${result.ignored.length} non-image files; ` +
        `checkpoints in ${result.outDir}/{last,best}` +
        (result.publishedVersions.length ? `; published ${result.publishedVersions.length} to NATS` : ""),
    );
  } finally {
    await nats?.drain();
  }
  return 0;
}

if (import.meta.main) await runCli(() => main(Deno.args));
