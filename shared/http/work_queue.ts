/**
 * A bounded queue for inference work: at most `concurrency` jobs run, at most `maxQueued`
 * wait, and a job beyond that is refused at once (the HTTP layer answers 503 with
 * Retry-After) instead of queuing without bound.
 *
 * @module
 */

/** The queue is full. */
export class QueueFullError extends Error {
  override name = "QueueFullError";
}

/**
 * @example
 * ```ts
 * const queue = new WorkQueue({ concurrency: 1, maxQueued: 64 });
 * const result = await queue.run(() => classify(bytes));
 * ```
 */
export class WorkQueue {
  readonly concurrency: number;
  readonly maxQueued: number;
  #running = 0;
  #waiting: (() => void)[] = [];

  constructor(options: { concurrency: number; maxQueued: number }) {
    this.concurrency = options.concurrency;
    this.maxQueued = options.maxQueued;
  }

  /** Jobs running plus jobs waiting. */
  get depth(): number {
    return this.#running + this.#waiting.length;
  }

  /** Runs `job` when a slot is free; throws {@linkcode QueueFullError} when too many wait. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.#running >= this.concurrency) {
      if (this.#waiting.length >= this.maxQueued) {
        throw new QueueFullError(`${this.#waiting.length} requests are already waiting; try again shortly`);
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await job();
    } finally {
      const next = this.#waiting.shift();
      if (next) next(); // the slot passes straight to the next job
      else this.#running--;
    }
  }
}
