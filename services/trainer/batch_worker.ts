/**
 * A batch worker of the {@linkcode BatchPipeline}: crops, flips and colour-shifts training
 * batches from the shared image store on a spare core, so the thread that drives the device
 * never does per-pixel work.
 *
 * @module
 */
import { SeededRandom } from "../../shared/random/mod.ts";
import { type Augmentation, augmentBatch, augmentBatchPacked } from "./augment_batch.ts";
import { type ImageStore, storedImage } from "./image_store.ts";

/** How batches come out: packed 8-bit pixels for the device, or normalised floats for the WASM pool. */
export type BatchOutput = "packed" | "float";

/** What the pipeline asks. */
export type BatchRequest =
  | { type: "init"; store: ImageStore; augmentation: Augmentation; output: BatchOutput }
  | { type: "batch"; id: number; indices: Int32Array; seed: string };

/** A prepared batch (without labels: the pipeline adds them). */
export type PreparedBatch = { pixels: Int32Array; shifts: Float32Array } | { values: Float32Array };

/** What a worker answers. */
export type BatchReply =
  | { type: "ready" }
  | { type: "batch"; id: number; batch: PreparedBatch }
  | { type: "error"; message: string };

/**
 * One batch: the images at `indices`, augmented with draws seeded by `seed` — the same result
 * in any worker, or on the main thread.
 */
export function prepareBatch(
  store: ImageStore,
  indices: ArrayLike<number>,
  augmentation: Augmentation,
  output: BatchOutput,
  seed: string,
): PreparedBatch {
  const images = Array.from(indices, (i) => storedImage(store, i));
  const rng = new SeededRandom(seed);
  return output === "packed"
    ? augmentBatchPacked(images, augmentation, rng)
    : { values: augmentBatch(images, augmentation, rng) };
}

/**
 * The worker's message handler (`batch_worker_entry.ts` wires it to `onmessage`).
 *
 * @example
 * ```ts
 * const handle = createBatchWorker();
 * ```
 */
export function createBatchWorker(): (request: BatchRequest) => BatchReply {
  let settings: Extract<BatchRequest, { type: "init" }> | null = null;
  return (request) => {
    if (request.type === "init") {
      settings = request;
      return { type: "ready" };
    }
    if (!settings) throw new Error("batch worker used before init");
    const batch = prepareBatch(settings.store, request.indices, settings.augmentation, settings.output, request.seed);
    return { type: "batch", id: request.id, batch };
  };
}
