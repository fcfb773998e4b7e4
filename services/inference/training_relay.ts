/**
 * Relays training events from NATS to web pages: every run's status, progress and epoch
 * metrics (`alexnet.train.<runId>.*`) and published checkpoints, kept in memory since the
 * service started (the last 20 runs) and pushed to listeners as they arrive. The training
 * page reads it over server-sent events.
 *
 * @module
 */
import {
  CHECKPOINT_PUBLISHED,
  CheckpointPublishedSchema,
  EpochMetricsSchema,
  type NatsConnection,
  type Subscription,
  TRAIN_EVENTS_WILDCARD,
  TrainProgressSchema,
  TrainStatusSchema,
} from "../../shared/bus/mod.ts";

/** One relayed event; `kind` is the SSE event name. */
export type TrainingEvent =
  | { kind: "status"; data: ReturnType<typeof TrainStatusSchema.parse> }
  | { kind: "progress"; data: ReturnType<typeof TrainProgressSchema.parse> }
  | { kind: "epoch"; data: ReturnType<typeof EpochMetricsSchema.parse> }
  | { kind: "checkpoint"; data: ReturnType<typeof CheckpointPublishedSchema.parse> };

const MAX_RUNS = 20;

/**
 * @example
 * ```ts
 * const relay = new TrainingRelay(nc);
 * const off = relay.listen((event) => console.log(event.kind));
 * ```
 */
export class TrainingRelay {
  readonly #subs: Subscription[];
  readonly #listeners = new Set<(event: TrainingEvent) => void>();
  /** Per run: its status, last progress and every epoch, oldest run first. */
  readonly #runs = new Map<string, TrainingEvent[]>();

  constructor(nc: NatsConnection) {
    this.#subs = [nc.subscribe(TRAIN_EVENTS_WILDCARD), nc.subscribe(CHECKPOINT_PUBLISHED)];
    for (const sub of this.#subs) {
      (async () => {
        for await (const m of sub) {
          const event = parseEvent(m.subject, m.json());
          if (event) this.#record(event);
        }
      })().catch(() => {});
    }
  }

  /** Everything remembered, in arrival order per run (a new page starts from this). */
  snapshot(): TrainingEvent[] {
    return [...this.#runs.values()].flat();
  }

  /** Calls `listener` for each new event; returns the function that stops it. */
  listen(listener: (event: TrainingEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    for (const sub of this.#subs) sub.unsubscribe();
    this.#listeners.clear();
  }

  #record(event: TrainingEvent): void {
    const runId = event.data.runId;
    let events = this.#runs.get(runId);
    if (!events) {
      events = [];
      this.#runs.set(runId, events);
      if (this.#runs.size > MAX_RUNS) this.#runs.delete(this.#runs.keys().next().value!);
    }
    // Only the latest progress of a run is worth replaying.
    if (event.kind === "progress") {
      const last = events.findLastIndex((e) => e.kind === "progress");
      if (last >= 0) events.splice(last, 1);
    }
    events.push(event);
    for (const listener of this.#listeners) listener(event);
  }
}

function parseEvent(subject: string, body: unknown): TrainingEvent | null {
  const kind = subject === CHECKPOINT_PUBLISHED ? "checkpoint" : subject.split(".").at(-1);
  const schema = {
    status: TrainStatusSchema,
    progress: TrainProgressSchema,
    epoch: EpochMetricsSchema,
    checkpoint: CheckpointPublishedSchema,
  }[kind ?? ""];
  const parsed = schema?.safeParse(body);
  return parsed?.success ? { kind, data: parsed.data } as TrainingEvent : null;
}
