/**
 * The one classify path shared by HTTP and NATS: admission through the bounded work queue,
 * then the current predictor from the hot-swap slot, then `predictor.classify`. The walk is
 * one way — route → engine → predictor → model — and the engine is also where a verified
 * checkpoint becomes the served predictor (`adopt`).
 *
 * @module
 */
import {
  CheckpointDigestError,
  CheckpointFetchError,
  CheckpointFormatError,
  CheckpointSignatureError,
} from "../../shared/checkpoint/mod.ts";
import type { WorkQueue } from "../../shared/http/mod.ts";
import {
  type Classification,
  loadPredictor,
  type Predictor,
  type PredictorOptions,
  PredictorSlot,
  type PredictorSource,
  type TestTimeAugmentation,
} from "../../shared/predictor/mod.ts";
import type { InferenceMetrics } from "./inference_metrics.ts";

/** The metric label of a refused checkpoint. */
function refusalReason(error: unknown): string {
  if (error instanceof CheckpointSignatureError) return "signature";
  if (error instanceof CheckpointDigestError) return "digest";
  if (error instanceof CheckpointFormatError) return "format";
  if (error instanceof CheckpointFetchError) return "fetch";
  return "other";
}

/** Classify options after defaults. */
export interface EngineClassifyOptions {
  topk: number;
  tta: TestTimeAugmentation;
}

/** Settings of {@linkcode InferenceEngine}. */
export interface InferenceEngineOptions {
  /** Admission: how many requests run at once and how many may wait. */
  queue: WorkQueue;
  /** Images with more pixels (from the header) are refused before decoding. */
  maxPixels: number;
  metrics?: InferenceMetrics;
  /** How each adopted checkpoint runs: worker replicas, micro-batching. */
  predictor?: PredictorOptions;
}

/**
 * @example
 * ```ts
 * const engine = new InferenceEngine({ queue: new WorkQueue({ concurrency: 8, maxQueued: 64 }), maxPixels: 40e6 });
 * await engine.adopt(await readCheckpointDir("runs/x/best"));
 * const result = await engine.classify(bytes, { topk: 5, tta: "center" });
 * ```
 */
export class InferenceEngine {
  /** The served predictor; swapped atomically by {@linkcode adopt}. */
  readonly slot: PredictorSlot = new PredictorSlot();
  readonly queue: WorkQueue;
  readonly maxPixels: number;
  readonly metrics: InferenceMetrics | undefined;
  readonly #predictorOptions: PredictorOptions;

  constructor(options: InferenceEngineOptions) {
    this.queue = options.queue;
    this.maxPixels = options.maxPixels;
    this.metrics = options.metrics;
    this.#predictorOptions = options.predictor ?? {};
  }

  /** The predictor being served, or null before the first checkpoint. */
  get current(): Predictor | null {
    return this.slot.current?.predictor ?? null;
  }

  /** Version of the served checkpoint, or null. */
  currentVersion(): string | null {
    return this.current?.version ?? null;
  }

  /** Classifies `bytes`; throws QueueFullError, NoModelError or an image error. */
  classify(bytes: Uint8Array, options: EngineClassifyOptions): Promise<Classification> {
    return this.queue.run(async () => {
      this.metrics?.queueDepth.set(this.queue.depth);
      // Inference is synchronous CPU work: give the event loop a turn first, so requests that
      // arrived meanwhile are accepted into the queue (or refused with 503) rather than stalled.
      await new Promise((resolve) => setTimeout(resolve, 0));
      return await this.slot.use(({ predictor }) =>
        predictor.classify(bytes, { ...options, maxPixels: this.maxPixels })
      );
    }).finally(() => this.metrics?.queueDepth.set(this.queue.depth));
  }

  /**
   * Loads a checkpoint — files in memory, a folder or a URL; verified as it is read — (decode,
   * warm up, worker replicas) and swaps it in; requests in flight finish on the previous
   * predictor, which is then disposed. `options` override the engine's predictor options.
   */
  async adopt(source: PredictorSource, options: PredictorOptions = {}): Promise<Predictor> {
    let predictor: Predictor;
    try {
      predictor = await loadPredictor(source, { ...this.#predictorOptions, ...options });
    } catch (error) {
      this.metrics?.checkpointsRefused.inc({ reason: refusalReason(error) });
      throw error;
    }
    this.slot.swap({ predictor });
    return predictor;
  }
}
