/**
 * Training jobs over JetStream: `train --submit` appends a job to the work-queue stream
 * `ALEXNET_JOBS` (subject `alexnet.train.jobs`); trainer workers share one durable pull
 * consumer, so each job goes to exactly one of them. A worker that dies mid-job stops
 * sending in-progress acks, and the job is redelivered to another after the ack wait.
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { AckPolicy, type Consumer, jetstream, jetstreamManager, RetentionPolicy } from "@nats-io/jetstream";
import { ensureEventsStream, ensureStream } from "./ensure_stream.ts";
import { type TrainJob, TrainJobSchema, type TrainStatus, TrainStatusSchema } from "../core/messages.ts";
import { JOBS_STREAM, TRAIN_JOBS, TRAIN_WORKERS_CONSUMER, trainStatusSubject } from "../core/subjects.ts";

/** How long a job may go without an in-progress ack before it is redelivered (default). */
export const JOB_ACK_WAIT_MS = 60_000;

/** A run id that sorts by start time: `20261129T213343Z-33e1`. */
export function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `${stamp}-${crypto.randomUUID().slice(0, 4)}`;
}

/**
 * Creates the jobs stream, the workers' shared consumer and the events stream (idempotent).
 * `ackWaitMs`, when given, is the consumer's ack wait (set on an existing consumer too): how
 * soon a job of a dead worker is redelivered. Returns the ack wait in force.
 */
export async function ensureJobsQueue(nc: NatsConnection, ackWaitMs?: number): Promise<number> {
  await ensureEventsStream(nc);
  await ensureStream(nc, { name: JOBS_STREAM, subjects: [TRAIN_JOBS], retention: RetentionPolicy.Workqueue });
  const jsm = await jetstreamManager(nc);
  const wantNs = ackWaitMs === undefined ? undefined : ackWaitMs * 1_000_000;
  let info;
  try {
    info = await jsm.consumers.info(JOBS_STREAM, TRAIN_WORKERS_CONSUMER);
  } catch {
    info = await jsm.consumers.add(JOBS_STREAM, {
      durable_name: TRAIN_WORKERS_CONSUMER,
      ack_policy: AckPolicy.Explicit,
      ack_wait: wantNs ?? JOB_ACK_WAIT_MS * 1_000_000,
      max_deliver: 3,
    });
  }
  if (wantNs !== undefined && info.config.ack_wait !== wantNs) {
    info = await jsm.consumers.update(JOBS_STREAM, TRAIN_WORKERS_CONSUMER, { ack_wait: wantNs });
  }
  return (info.config.ack_wait ?? JOB_ACK_WAIT_MS * 1_000_000) / 1_000_000;
}

/** Publishes a status event of a run (kept in the events stream). */
export async function publishTrainStatus(nc: NatsConnection, status: Omit<TrainStatus, "schema" | "at">) {
  const event = TrainStatusSchema.parse({ schema: "alexnet.train.status/v1", at: new Date().toISOString(), ...status });
  await jetstream(nc).publish(trainStatusSubject(status.runId), JSON.stringify(event));
}

/**
 * Enqueues a job; `args` are `deno task train` flags.
 *
 * @example
 * ```ts
 * const job = await submitTrainJob(nc, ["--epochs", "3", "--name", "shapes"], "shapes");
 * ```
 */
export async function submitTrainJob(nc: NatsConnection, args: string[], name: string): Promise<TrainJob> {
  await ensureJobsQueue(nc);
  const job = TrainJobSchema.parse({
    schema: "alexnet.train.job/v1",
    jobId: newRunId(),
    args,
    submittedAt: new Date().toISOString(),
  });
  await jetstream(nc).publish(TRAIN_JOBS, JSON.stringify(job), { msgID: job.jobId });
  await publishTrainStatus(nc, { runId: job.jobId, state: "queued", name });
  return job;
}

/** The workers' shared consumer and its ack wait (see {@linkcode ensureJobsQueue}). */
export async function trainJobsConsumer(
  nc: NatsConnection,
  ackWaitMs?: number,
): Promise<{ consumer: Consumer; ackWaitMs: number }> {
  const ackWait = await ensureJobsQueue(nc, ackWaitMs);
  return { consumer: await jetstream(nc).consumers.get(JOBS_STREAM, TRAIN_WORKERS_CONSUMER), ackWaitMs: ackWait };
}
