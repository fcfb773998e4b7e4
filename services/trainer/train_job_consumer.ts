/**
 * A training-job consumer (the loop of `serve:trainer`; not a Web Worker): takes jobs from the
 * shared work queue one at a time, runs each with the bus attached (checkpoints, metrics and status events are published as by `train --nats`),
 * and acknowledges it when done. While a job trains, the worker tells JetStream it is still
 * working, so a long job is not redelivered; if the worker dies, it is — and the worker that
 * gets it again continues from the job's last published checkpoint (the epoch in progress is
 * lost, nothing before it), so every epoch's version is published once.
 *
 * @module
 */
import {
  fetchCheckpoint,
  type JsMsg,
  listCheckpointVersions,
  type NatsConnection,
  publishTrainStatus,
  TrainJobSchema,
  trainJobsConsumer,
} from "../../shared/bus/mod.ts";
import { writeCheckpointDir } from "../../shared/checkpoint/mod.ts";
import { UsageError } from "../../shared/cli/mod.ts";
import { runTraining } from "./app.ts";
import { parseTrainArgs } from "./train_args.ts";
import type { TrainConfig, TrainIo, TrainResult } from "./train_config.ts";

/** Options of {@linkcode TrainJobConsumer}. */
export interface TrainJobConsumerOptions {
  /** Shown in status events and logs. */
  worker: string;
  log: (line: string) => void;
  /** Folder for run outputs (default `runs`); each job writes `<runs>/<name>/<jobId>`. */
  runsDir?: string;
  /** The worker's private key, which signs every job's checkpoints (a job cannot choose another). */
  signingKey?: string | null;
  /** The queue's ack wait: how soon a dead worker's job goes to another (default: as configured, 60 s new). */
  ackWaitMs?: number;
  /** Runs one job; the default is {@linkcode runTraining}. Tests may wrap it. */
  train?: (config: TrainConfig, io: TrainIo) => Promise<TrainResult>;
}

/**
 * @example
 * ```ts
 * const worker = new TrainJobConsumer(nc, { worker: "gpu-1", log: console.error });
 * const done = worker.run();
 * // … later
 * await worker.stop();
 * ```
 */
export class TrainJobConsumer {
  readonly #nc: NatsConnection;
  readonly #options: TrainJobConsumerOptions;
  #stopping = false;
  /** Jobs finished by this worker (ids), in order. */
  readonly finished: string[] = [];

  constructor(nc: NatsConnection, options: TrainJobConsumerOptions) {
    this.#nc = nc;
    this.#options = options;
  }

  /** Takes jobs until {@linkcode stop}; resolves once the current job (if any) is done. */
  async run(): Promise<void> {
    const { consumer, ackWaitMs } = await trainJobsConsumer(this.#nc, this.#options.ackWaitMs);
    while (!this.#stopping) {
      const msg = await consumer.next({ expires: 2_000 });
      if (msg) await this.#handle(msg, ackWaitMs);
    }
  }

  /** Stops taking jobs; a job in progress finishes first. */
  stop(): void {
    this.#stopping = true;
  }

  /**
   * Where an earlier attempt of `jobId` got to: its newest published checkpoint (as a folder to
   * resume from) and how many epochs it published; null when it published none.
   */
  async #earlierAttempt(jobId: string, name: string, outDir: string) {
    const versions = (await listCheckpointVersions(this.#nc, name)).filter((v) => v.startsWith(`${jobId}-e`));
    if (versions.length === 0) return null;
    const newest = versions.at(-1)!;
    const dir = `${outDir}/attempt-resume-${newest.slice(jobId.length + 1)}`;
    await writeCheckpointDir(dir, await fetchCheckpoint(this.#nc, name, newest));
    return { dir, version: newest, epochsDone: versions.length };
  }

  async #handle(msg: JsMsg, ackWaitMs: number): Promise<void> {
    const { log, worker } = this.#options;
    let job;
    try {
      job = TrainJobSchema.parse(msg.json());
    } catch (error) {
      log(`dropping a malformed job: ${(error as Error).message}`);
      msg.term();
      return;
    }
    const heartbeat = setInterval(() => msg.working(), ackWaitMs / 3);
    try {
      const parsed = parseTrainArgs(job.args);
      if (parsed === "help") throw new UsageError("--help is not a job");
      if (parsed.shaderF16) {
        throw new UsageError("--shader-f16 is not a job flag: a worker runs on the backend it was started with");
      }
      let config: TrainConfig = {
        ...parsed,
        runId: job.jobId,
        quiet: true,
        signingKey: this.#options.signingKey ?? null,
        out: parsed.out ?? `${this.#options.runsDir ?? "runs"}/${parsed.name}/${job.jobId}`,
      };
      log(`job ${job.jobId}: train ${job.args.join(" ")} (attempt ${msg.info.deliveryCount})`);
      const earlier = msg.info.deliveryCount > 1
        ? await this.#earlierAttempt(job.jobId, config.name, config.out!)
        : null;
      if (earlier) {
        const left = config.epochs - earlier.epochsDone;
        log(`job ${job.jobId}: an earlier attempt published ${earlier.version}; ${left} epoch(s) left`);
        if (left <= 0) {
          msg.ack();
          this.finished.push(job.jobId);
          await publishTrainStatus(this.#nc, { runId: job.jobId, state: "done", worker, name: config.name });
          return;
        }
        config = { ...config, resume: earlier.dir, epochs: left };
      }
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
