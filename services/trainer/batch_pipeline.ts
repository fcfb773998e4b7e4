/**
 * The trainer's input pipeline: each epoch's shuffled batches are prepared ahead (at least two
 * in flight) — cropped, flipped and colour-shifted in Web Workers on the spare cores, or on
 * this thread between steps when there are none — so the device does not wait for the host.
 * Every batch draws from its own seed (run seed, epoch, batch number): the batches are the same
 * whichever thread prepared them.
 *
 * @module
 */
import { type RgbImage } from "../../shared/image/mod.ts";
import { SeededRandom } from "../../shared/random/mod.ts";
import type { Augmentation } from "./augment_batch.ts";
import {
  type BatchOutput,
  type BatchReply,
  type BatchRequest,
  prepareBatch,
  type PreparedBatch,
} from "./batch_worker.ts";
import { type ImageStore, storeImages } from "./image_store.ts";

/** One training batch, ready for a step. */
export type TrainingBatch = PreparedBatch & { labels: number[] };

/** Settings of {@linkcode BatchPipeline.start}. */
export interface PipelineOptions {
  batchSize: number;
  augmentation: Augmentation;
  /** Packed 8-bit pixels for the device, or normalised floats for the WASM worker pool. */
  output: BatchOutput;
  seed: number;
  /** Web Workers preparing batches (0: this thread). */
  workers: number;
  /** Batches prepared ahead of the one in use (at least 2). */
  ahead?: number;
}

class BatchWorker {
  readonly #worker = new Worker(new URL("./batch_worker_entry.ts", import.meta.url).href, { type: "module" });
  readonly #waiting = new Map<number, { resolve: (reply: BatchReply) => void; reject: (error: Error) => void }>();
  #ready: { resolve: () => void; reject: (error: Error) => void } | null = null;

  constructor() {
    this.#worker.onmessage = (event: MessageEvent<BatchReply>) => {
      const reply = event.data;
      if (reply.type === "ready") return this.#ready?.resolve();
      if (reply.type === "error") return this.#failAll(new Error(`batch worker: ${reply.message}`));
      this.#waiting.get(reply.id)?.resolve(reply);
      this.#waiting.delete(reply.id);
    };
    this.#worker.onerror = (event) => {
      event.preventDefault();
      this.#failAll(new Error(`batch worker crashed: ${event.message}`));
    };
  }

  init(request: Extract<BatchRequest, { type: "init" }>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#ready = { resolve, reject };
      this.#worker.postMessage(request);
    });
  }

  batch(id: number, indices: Int32Array, seed: string): Promise<PreparedBatch> {
    return new Promise<BatchReply>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      const request: BatchRequest = { type: "batch", id, indices, seed };
      this.#worker.postMessage(request, [indices.buffer as ArrayBuffer]);
    }).then((reply) => (reply as Extract<BatchReply, { type: "batch" }>).batch);
  }

  terminate(): void {
    this.#worker.terminate();
    this.#failAll(new Error("the batch pipeline was closed"));
  }

  #failAll(error: Error): void {
    this.#ready?.reject(error);
    for (const waiting of this.#waiting.values()) waiting.reject(error);
    this.#waiting.clear();
  }
}

/**
 * @example
 * ```ts
 * const pipeline = await BatchPipeline.start(split, { batchSize: 128, augmentation, output: "packed", seed: 1, workers: 1 });
 * for await (const batch of pipeline.epoch(1)) await step(batch);
 * pipeline.close();
 * ```
 */
export class BatchPipeline {
  readonly #store: ImageStore;
  readonly #labels: number[];
  readonly #options: PipelineOptions;
  readonly #workers: BatchWorker[];
  #next = 0;

  private constructor(store: ImageStore, labels: number[], options: PipelineOptions, workers: BatchWorker[]) {
    this.#store = store;
    this.#labels = labels;
    this.#options = options;
    this.#workers = workers;
  }

  /** Puts the images into shared memory and starts the workers. */
  static async start(
    split: { images: RgbImage[]; labels: number[] },
    options: PipelineOptions,
  ): Promise<BatchPipeline> {
    const store = storeImages(split.images);
    if (!store) throw new Error("the training images must all be squares of one size");
    const workers = Array.from({ length: options.workers }, () => new BatchWorker());
    try {
      await Promise.all(
        workers.map((w) => w.init({ type: "init", store, augmentation: options.augmentation, output: options.output })),
      );
    } catch (error) {
      workers.forEach((w) => w.terminate());
      throw error;
    }
    return new BatchPipeline(store, [...split.labels], options, workers);
  }

  /** Web Workers preparing batches (0: this thread). */
  get workers(): number {
    return this.#workers.length;
  }

  /** Images in one epoch. */
  get size(): number {
    return this.#store.count;
  }

  /** The batches of epoch `epoch`, in the epoch's shuffled order, each prepared ahead of its turn. */
  async *epoch(epoch: number): AsyncGenerator<TrainingBatch> {
    const { batchSize, seed } = this.#options;
    const order = new SeededRandom(`order-${seed}-${epoch}`).shuffle([...Array(this.#store.count).keys()]);
    const batches: number[][] = [];
    for (let start = 0; start < order.length; start += batchSize) batches.push(order.slice(start, start + batchSize));
    const ahead = Math.max(2, this.#options.ahead ?? 2);
    const pending: Promise<TrainingBatch>[] = [];
    let next = 0;
    const fill = () => {
      while (pending.length < ahead && next < batches.length) {
        const indices = batches[next];
        pending.push(this.#prepare(indices, `train-${seed}-${epoch}-${next++}`));
      }
    };
    fill();
    while (pending.length > 0) {
      const batch = await pending.shift()!;
      fill();
      yield batch;
    }
  }

  /** Stops the workers. */
  close(): void {
    this.#workers.forEach((w) => w.terminate());
  }

  async #prepare(indices: number[], seed: string): Promise<TrainingBatch> {
    const labels = indices.map((i) => this.#labels[i]);
    const { augmentation, output } = this.#options;
    if (this.#workers.length === 0) {
      // On this thread, but after the current step has been handed to the device or the pool.
      await new Promise((resolve) => setTimeout(resolve, 0));
      return { ...prepareBatch(this.#store, indices, augmentation, output, seed), labels };
    }
    const worker = this.#workers[this.#next++ % this.#workers.length];
    return { ...await worker.batch(this.#next, Int32Array.from(indices), seed), labels };
  }
}
