/**
 * The model being served, swapped atomically. A request takes the current model for its
 * whole duration (`use`); `swap` makes the new model current at once, and the old one is
 * disposed when its last in-flight request finishes — so no request sees a half-loaded or
 * disposed model, and tensor memory returns to one model's worth.
 *
 * @module
 */
import type { LoadedCheckpoint } from "../../shared/checkpoint/checkpoint_files.ts";
import { type ClassLabel, labelsForClasses } from "../../shared/labels/class_labels.ts";
import type { DataParallelPool } from "../../shared/model/data_parallel_pool.ts";

/** A checkpoint ready to answer, with its display labels. */
export interface ServedModel {
  checkpoint: LoadedCheckpoint;
  labels: ClassLabel[];
  loadedAt: string;
  /** Replicas in Web Workers that share each batch (`--workers N`), or null: this thread runs it. */
  pool: DataParallelPool | null;
}

/** No model has been loaded yet. */
export class NoModelError extends Error {
  override name = "NoModelError";
}

interface Entry {
  served: ServedModel;
  inFlight: number;
  retired: boolean;
}

/** Wraps a loaded checkpoint for serving. */
export function serve(checkpoint: LoadedCheckpoint, pool: DataParallelPool | null = null): ServedModel {
  return {
    checkpoint,
    labels: labelsForClasses(checkpoint.manifest.classNames),
    loadedAt: new Date().toISOString(),
    pool,
  };
}

/** Frees a model that no request uses any more: its weights and its worker replicas. */
function release(served: ServedModel): void {
  served.pool?.close();
  served.checkpoint.model.dispose();
}

/**
 * @example
 * ```ts
 * const slot = new ModelSlot();
 * slot.swap(serve(await loadCheckpointDir("runs/x/best")));
 * const result = await slot.use((m) => classify(m, bytes));
 * ```
 */
export class ModelSlot {
  #current: Entry | null = null;

  /** What is being served now, or null. */
  get current(): ServedModel | null {
    return this.#current?.served ?? null;
  }

  /** Runs `fn` with the current model, keeping that model alive until `fn` settles. */
  async use<T>(fn: (model: ServedModel) => Promise<T>): Promise<T> {
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

  /** Makes `next` current; the previous model is disposed once idle. Returns the previous one. */
  swap(next: ServedModel): ServedModel | null {
    const previous = this.#current;
    this.#current = { served: next, inFlight: 0, retired: false };
    if (previous) {
      previous.retired = true;
      if (previous.inFlight === 0) release(previous.served);
    }
    return previous?.served ?? null;
  }

  /** Disposes the current model (shutdown). */
  close(): void {
    const entry = this.#current;
    this.#current = null;
    if (entry) {
      entry.retired = true;
      if (entry.inFlight === 0) release(entry.served);
    }
  }
}
