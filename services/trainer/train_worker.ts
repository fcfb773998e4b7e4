/**
 * A trainer worker: takes jobs from the shared work queue one at a time, runs each with the
 * bus attached (checkpoints, metrics and status events are published as by `train --nats`),
 * and acknowledges it when done. While a job trains, the worker tells JetStream it is still
 * working, so a long job is not redelivered; if the worker dies, it is.
 *
 * @module
 */
import type { JsMsg, NatsConnection } from "nats";
import { JOB_ACK_WAIT_MS, publishTrainStatus, TrainJobSchema, trainJobsConsumer } from "../../shared/bus/mod.ts";
import { UsageError } from "../../shared/cli/mod.ts";
import { runTraining } from "./app.ts";
import { parseTrainArgs } from "./train_args.ts";
import type { TrainConfig, TrainIo, TrainResult } from "./train_config.ts";

/** Options of {@linkcode TrainWorker}. */
export interface TrainWorkerOptions {
  /** Shown in status events and logs. */
  worker: string;
  log: (line: string) => void;
  /** Folder for run outputs (default `runs`); each job writes `<runs>/<name>/<jobId>`. */
  runsDir?: string;
  /** The worker's private key, which signs every job's checkpoints (a job cannot choose another). */
  signingKey?: string | null;
  /** Runs one job; the default is {@linkcode runTraining}. Tests may wrap it. */
  train?: (config: TrainConfig, io: TrainIo) => Promise<TrainResult>;
}

/**
 * @example
 * ```ts
 * const worker = new TrainWorker(nc, { worker: "gpu-1", log: console.error });
 * const done = worker.run();
 * // … later
 * await worker.stop();
 * ```
 */
export class TrainWorker {
  readonly #nc: NatsConnection;
  readonly #options: TrainWorkerOptions;
  #stopping = false;
  /** Jobs finished by this worker (ids), in order. */
  readonly finished: string[] = [];

  constructor(nc: NatsConnection, options: TrainWorkerOptions) {
    this.#nc = nc;
    this.#options = options;
  }

  /** Takes jobs until {@linkcode stop}; resolves once the current job (if any) is done. */
  async run(): Promise<void> {
    const consumer = await trainJobsConsumer(this.#nc);
    while (!this.#stopping) {
      const msg = await consumer.next({ expires: 2_000 });
      if (msg) await this.#handle(msg);
    }
  }

  /** Stops taking jobs; a job in progress finishes first. */
  stop(): void {
    this.#stopping = true;
  }

  async #handle(msg: JsMsg): Promise<void> {
    const { log, worker } = this.#options;
    let job;
    try {
      job = TrainJobSchema.parse(msg.json());
    } catch (error) {
      log(`dropping a malformed job: ${(error as Error).message}`);
      msg.term();
      return;
    }
    const heartbeat = setInterval(() => msg.working(), JOB_ACK_WAIT_MS / 3);
    try {
      const parsed = parseTrainArgs(job.args);
      if (parsed === "help") throw new UsageError("--help is not a job");
      const config: TrainConfig = {
        ...parsed,
        runId: job.jobId,
        quiet: true,
        signingKey: this.#options.signingKey ?? null,
        out: parsed.out ?? `${this.#options.runsDir ?? "runs"}/${parsed.name}/${job.jobId}`,
      };
      log(`job ${job.jobId}: train ${job.args.join(" ")} (attempt ${msg.info.deliveryCount})`);
      const train = this.#options.train ?? runTraining;
      const result = await train(config, {
        log: (line) => log(`job ${job.jobId}: ${line}`),
        stdout: () => {},
        nats: this.#nc,
        worker,
      });
      msg.ack();
      this.finished.push(job.jobId);
      log(`job ${job.jobId}: done, ${result.epochs.length} epochs, published ${result.publishedVersions.length}`);
    } catch (error) {
      const message = (error as Error).message;
      log(`job ${job.jobId} failed: ${message}`);
      // A bad job would fail the same way everywhere: do not redeliver it.
      msg.term();
      await publishTrainStatus(this.#nc, { runId: job.jobId, state: "failed", worker, message }).catch(() => {});
    } finally {
      clearInterval(heartbeat);
    }
  }
}
