/**
 * Dynamic micro-batching, as a {@linkcode LogitsRunner} around another: crops from requests that
 * arrive within `maxWaitMs` of each other (or while the previous batch runs) go through the
 * network as one batch of at most `maxBatch` crops, which costs less per image than one forward
 * pass each. Each request gets exactly its own rows back. A batcher belongs to one predictor,
 * so different model versions never share a batch.
 *
 * @module
 */
import type { LogitsRunner } from "./logits_runner.ts";
import { releaseBuffers } from "../image/release_buffer.ts";

interface Pending {
  values: Float32Array;
  count: number;
  resolve: (logits: Float32Array) => void;
  reject: (error: unknown) => void;
}

/** Settings of {@linkcode MicroBatcher}. */
export interface MicroBatchOptions {
  /** Most crops in one forward pass. */
  maxBatch: number;
  /** Longest a request waits for company before its batch runs. */
  maxWaitMs: number;
}

/**
 * @example
 * ```ts
 * const batcher = new MicroBatcher(directRunner(model), { maxBatch: 8, maxWaitMs: 5 });
 * const logits = await batcher.run(values, 1);
 * ```
 */
export class MicroBatcher implements LogitsRunner {
  readonly #inner: LogitsRunner;
  readonly #options: MicroBatchOptions;
  #pending: Pending[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #busy = false;
  /** Crops in each batch run so far (for tests and metrics). */
  readonly batchSizes: number[] = [];

  constructor(inner: LogitsRunner, options: MicroBatchOptions) {
    this.#inner = inner;
    this.#options = options;
  }

  run(values: Float32Array, count: number): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ values, count, resolve, reject });
      const queued = this.#pending.reduce((n, p) => n + p.count, 0);
      if (queued >= this.#options.maxBatch) this.#flush();
      else this.#timer ??= setTimeout(() => this.#flush(), this.#options.maxWaitMs);
    });
  }

  #flush(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    // One batch at a time: what arrives meanwhile waits and forms the next batch.
    if (this.#busy || this.#pending.length === 0) return;
    const batch: Pending[] = [];
    let count = 0;
    while (this.#pending.length > 0) {
      const next = this.#pending[0];
      if (batch.length > 0 && count + next.count > this.#options.maxBatch) break;
      batch.push(this.#pending.shift()!);
      count += next.count;
    }
    this.#busy = true;
    this.batchSizes.push(count);
    const values = new Float32Array(batch.reduce((n, p) => n + p.values.length, 0));
    let at = 0;
    for (const p of batch) {
      values.set(p.values, at);
      at += p.values.length;
    }
    this.#inner.run(values, count).then((logits) => {
      const classes = logits.length / count;
      let row = 0;
      for (const p of batch) {
        p.resolve(logits.slice(row * classes, (row + p.count) * classes));
        row += p.count;
      }
    }, (error) => batch.forEach((p) => p.reject(error))).finally(() => {
      releaseBuffers(values); // the batch's copy of its inputs, done with
      this.#busy = false;
      if (this.#pending.length > 0) this.#flush();
    });
  }
}
