/**
 * Dynamic micro-batching: crops from requests that arrive within `maxWaitMs` of each other
 * (or while the previous batch runs) go through the network as one batch of at most
 * `maxBatch` crops, which costs less per image than one forward pass each. Each request gets
 * exactly its own rows back. Requests for different model versions never share a batch.
 *
 * @module
 */
import type { ProbabilityRunner } from "./classify_image.ts";
import type { ServedModel } from "./model_slot.ts";

interface Pending {
  served: ServedModel;
  values: Float32Array;
  crops: number;
  resolve: (rows: Float32Array[]) => void;
  reject: (error: unknown) => void;
}

/** Settings of {@linkcode MicroBatcher}. */
export interface MicroBatchOptions {
  /** Most crops in one forward pass. */
  maxBatch: number;
  /** Longest a request waits for company before its batch runs. */
  maxWaitMs: number;
  /** The underlying network call (one forward pass over the concatenated crops). */
  run: ProbabilityRunner;
}

/**
 * @example
 * ```ts
 * const batcher = new MicroBatcher({ maxBatch: 8, maxWaitMs: 5, run: runDirect });
 * const rows = await batcher.run(served, values, 1);
 * ```
 */
export class MicroBatcher {
  readonly #options: MicroBatchOptions;
  #pending: Pending[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #busy = false;
  /** Batches run so far and the crops in them (for tests and metrics). */
  readonly batchSizes: number[] = [];

  constructor(options: MicroBatchOptions) {
    this.#options = options;
  }

  /** A {@linkcode ProbabilityRunner} that goes through the batcher. */
  readonly run: ProbabilityRunner = (served, values, crops) =>
    new Promise((resolve, reject) => {
      this.#pending.push({ served, values, crops, resolve, reject });
      const queued = this.#pending.reduce((n, p) => n + p.crops, 0);
      if (queued >= this.#options.maxBatch) this.#flush();
      else this.#timer ??= setTimeout(() => this.#flush(), this.#options.maxWaitMs);
    });

  #flush(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    // One batch at a time: what arrives meanwhile waits and forms the next batch.
    if (this.#busy || this.#pending.length === 0) return;
    const served = this.#pending[0].served;
    const batch: Pending[] = [];
    let crops = 0;
    this.#pending = this.#pending.filter((p) => {
      if (p.served !== served || (batch.length > 0 && crops + p.crops > this.#options.maxBatch)) return true;
      batch.push(p);
      crops += p.crops;
      return false;
    });
    this.#busy = true;
    this.batchSizes.push(crops);
    const values = new Float32Array(batch.reduce((n, p) => n + p.values.length, 0));
    let at = 0;
    for (const p of batch) {
      values.set(p.values, at);
      at += p.values.length;
    }
    this.#options.run(served, values, crops).then((rows) => {
      let row = 0;
      for (const p of batch) {
        p.resolve(rows.slice(row, row + p.crops));
        row += p.crops;
      }
    }, (error) => batch.forEach((p) => p.reject(error))).finally(() => {
      this.#busy = false;
      if (this.#pending.length > 0) this.#flush();
    });
  }
}
