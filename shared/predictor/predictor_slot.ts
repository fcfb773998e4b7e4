/**
 * The predictor being served, swapped atomically — the one hot-swap slot of inference and
 * retrieval. A request takes the current entry for its whole duration (`use`); `swap` makes the
 * new one current at once, and the old one is released when its last in-flight request
 * finishes — so no request sees a half-loaded or disposed model, and memory returns to one
 * model's worth. An entry may carry what must live and die with its predictor (retrieval's
 * index of that model version's embeddings).
 *
 * @module
 */
import type { Predictor } from "./predictor.ts";

/** What a slot serves: a predictor, and anything released with it. */
export interface Served {
  readonly predictor: Predictor;
  /** Frees what the entry holds besides the predictor (called before the predictor is disposed). */
  release?(): void;
}

/** No model has been loaded yet. */
export class NoModelError extends Error {
  override name = "NoModelError";
}

interface Entry<S> {
  served: S;
  inFlight: number;
  retired: boolean;
}

function release(served: Served): void {
  served.release?.();
  served.predictor.dispose();
}

/**
 * @example
 * ```ts
 * const slot = new PredictorSlot();
 * slot.swap({ predictor: await loadPredictor("runs/x/best") });
 * const result = await slot.use(({ predictor }) => predictor.classify(bytes));
 * ```
 */
export class PredictorSlot<S extends Served = Served> {
  #current: Entry<S> | null = null;

  /** What is being served now, or null. */
  get current(): S | null {
    return this.#current?.served ?? null;
  }

  /** Runs `fn` with the current entry, keeping it alive until `fn` settles. */
  async use<T>(fn: (served: S) => Promise<T>): Promise<T> {
    const entry = this.#current;
    if (!entry) throw new NoModelError("no model is loaded yet");
    entry.inFlight++;
    try {
      return await fn(entry.served);
    } finally {
      entry.inFlight--;
      if (entry.retired && entry.inFlight === 0) release(entry.served);
    }
  }

  /** Makes `next` current; the previous entry is released once idle. Returns the previous one. */
  swap(next: S): S | null {
    const previous = this.#current;
    this.#current = { served: next, inFlight: 0, retired: false };
    if (previous) this.#retire(previous);
    return previous?.served ?? null;
  }

  /** Releases the current entry once idle (shutdown). */
  close(): void {
    const entry = this.#current;
    this.#current = null;
    if (entry) this.#retire(entry);
  }

  #retire(entry: Entry<S>): void {
    entry.retired = true;
    if (entry.inFlight === 0) release(entry.served);
  }
}
