/**
 * The one classify path shared by HTTP and NATS: admission through the bounded work queue,
 * then the current model from the slot, then {@linkcode classifyImage}.
 *
 * @module
 */
import { classifyImage, type ClassifyResult, runServed, type TestTimeAugmentation } from "./classify_image.ts";
import { MicroBatcher, type MicroBatchOptions } from "./micro_batcher.ts";
import type { InferenceMetrics } from "./inference_metrics.ts";
import type { ModelSlot } from "./model_slot.ts";
import type { WorkQueue } from "../../shared/http/work_queue.ts";

/** Classify options after defaults. */
export interface ClassifyOptions {
  topk: number;
  tta: TestTimeAugmentation;
}

/**
 * @example
 * ```ts
 * const engine = new InferenceEngine(slot, queue, 40e6);
 * const result = await engine.classify(bytes, { topk: 5, tta: "center" });
 * ```
 */
export class InferenceEngine {
  /** Present when concurrent requests are batched (see {@linkcode MicroBatcher}). */
  readonly batcher: MicroBatcher | null;

  constructor(
    readonly slot: ModelSlot,
    readonly queue: WorkQueue,
    readonly maxPixels: number,
    readonly metrics?: InferenceMetrics,
    batching?: Omit<MicroBatchOptions, "run"> | null,
  ) {
    this.batcher = batching && batching.maxBatch > 1 ? new MicroBatcher({ ...batching, run: runServed }) : null;
  }

  /** Classifies `bytes`; throws QueueFullError, NoModelError or an image error. */
  classify(bytes: Uint8Array, options: ClassifyOptions): Promise<ClassifyResult> {
    return this.queue.run(async () => {
      this.metrics?.queueDepth.set(this.queue.depth);
      // Inference is synchronous CPU work: give the event loop a turn first, so requests that
      // arrived meanwhile are accepted into the queue (or refused with 503) rather than stalled.
      await new Promise((resolve) => setTimeout(resolve, 0));
      return await this.slot.use((served) =>
        classifyImage(served, bytes, { ...options, maxPixels: this.maxPixels }, this.batcher?.run ?? runServed)
      );
    }).finally(() => this.metrics?.queueDepth.set(this.queue.depth));
  }
}
