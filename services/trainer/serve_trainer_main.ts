/**
 * `deno task serve:trainer --nats URL`: a trainer worker taking jobs from the JetStream work
 * queue `alexnet.train.jobs` (see `train --submit`). Run one per GPU machine; each job goes
 * to exactly one worker.
 *
 * @module
 */
import { describeBackendChoice, parseBackendName, selectBackend } from "../../shared/backend/mod.ts";
import { busIdentityFlags, busIdentityFrom, busIdentityHelp, connectBus } from "../../shared/bus/mod.ts";
import { parseFlags, runCli, UsageError } from "../../shared/cli/mod.ts";
import { readSigningKey } from "../../shared/checkpoint/mod.ts";
import { TrainJobConsumer } from "./train_job_consumer.ts";

const HELP = `Run a trainer worker that takes jobs from NATS.

Usage: deno task serve:trainer --nats URL [--name WORKER] [--runs DIR] [--backend NAME] [--signing-key FILE]

  --nats URL      the NATS server with JetStream (required)
  --name WORKER   this worker's name in status events (default: the host name)
  --runs DIR      where job outputs go (default runs/)
  --backend NAME  auto | tensorflow-gpu | tensorflow | webgpu | wasm | cpu (default auto)
  --signing-key FILE  this worker's private key (or ALEXNET_SIGNING_KEY): it signs every job's checkpoints
  --ack-wait-s N  how long a job may go without a heartbeat before another worker gets it (sets the shared
                  queue's value; default: as configured, 60 for a new queue). The next worker resumes the job
                  from its last published checkpoint.
NATS identity (the trainer role of deploy/nats/auth.conf):
${busIdentityHelp()}

Jobs come from: deno task train --submit --nats URL [train flags]`;

async function main(args: string[]): Promise<number> {
  const { values } = parseFlags({
    args,
    options: {
      nats: { type: "string" },
      name: { type: "string" },
      runs: { type: "string", default: "runs" },
      backend: { type: "string", default: "auto" },
      "signing-key": { type: "string" },
      "ack-wait-s": { type: "string" },
      ...busIdentityFlags(),
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.nats) throw new UsageError("--nats URL is required (see --help)");
  const worker = values.name ?? Deno.hostname();
  const ackWaitS = values["ack-wait-s"] === undefined ? undefined : Number(values["ack-wait-s"]);
  if (ackWaitS !== undefined && !(Number.isInteger(ackWaitS) && ackWaitS >= 3 && ackWaitS <= 3600)) {
    throw new UsageError(`--ack-wait-s must be an integer from 3 to 3600, got "${values["ack-wait-s"]}"`);
  }
  const log = (line: string) => console.error(`[trainer] ${line}`);
  log(describeBackendChoice(await selectBackend(parseBackendName(values.backend))));
  const nc = await connectBus(values.nats, `trainer-worker-${worker}`, busIdentityFrom(values));
  const signingKey = values["signing-key"] ?? (Deno.env.get("ALEXNET_SIGNING_KEY") || null);
  if (signingKey) log(`signing checkpoints with key ${(await readSigningKey(signingKey)).keyId}`);
  else log("no signing key: checkpoints are published unsigned (services refuse them unless --allow-unsigned)");
  const trainer = new TrainJobConsumer(nc, {
    worker,
    log,
    runsDir: values.runs,
    signingKey,
    ackWaitMs: ackWaitS === undefined ? undefined : ackWaitS * 1000,
  });
  const stop = () => {
    log("stopping after the current job");
    trainer.stop();
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  log(`worker ${worker} waiting for jobs on ${values.nats}`);
  await trainer.run();
  await nc.drain();
  return 0;
}

if (import.meta.main) await runCli(() => main(Deno.args));
