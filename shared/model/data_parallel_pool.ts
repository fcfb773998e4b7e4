/**
 * Data-parallel training on one machine: N Web Workers, each with its own WASM instance and
 * a replica of the network. A batch is split into N contiguous shares; every worker computes
 * the gradients of its share into a shared buffer; the workers then average them together
 * (each a disjoint range; weighted by share size, which equals the gradient of the whole
 * batch's mean loss) and each applies the same SGD step, so the replicas stay identical. `copyWeightsTo` brings the weights back to the main
 * model for evaluation and checkpoints.
 *
 * @module
 */
import * as tf from "../backend/tensorflow.ts";
import { UsageError } from "../cli/usage_error.ts";
import type { AlexNet } from "./alexnet.ts";
import { trainableLayout, type WorkerReply, type WorkerRequest } from "./replica_worker.ts";
import type { SgdMomentumOptions } from "./sgd_momentum.ts";
import type { StepResult } from "./train_step.ts";
import { contiguousRanges, WorkerMember } from "./worker_member.ts";

type PoolMember = WorkerMember<WorkerRequest, WorkerReply>;

/** Options of {@linkcode DataParallelPool.start}. */
export interface PoolOptions {
  workers: number;
  /** The optimizer. */
  sgd: SgdMomentumOptions;
  /** Layers whose weights stay fixed (`--freeze features`). */
  frozen?: string[];
}

/**
 * @example
 * ```ts
 * const pool = await DataParallelPool.start(model, { workers: 2, sgd, frozen: [] });
 * const { loss } = await pool.step(values, labels, 4, { dropout: true, learningRate: 0.01 });
 * await pool.copyWeightsTo(model);
 * pool.close();
 * ```
 */
export class DataParallelPool {
  readonly size: number;
  readonly #members: PoolMember[];
  readonly #inputSize: number;
  /** Trainable parameters, the length of one gradient slot. */
  readonly #parameters: number;

  private constructor(members: PoolMember[], inputSize: number, parameters: number) {
    this.#members = members;
    this.size = members.length;
    this.#inputSize = inputSize;
    this.#parameters = parameters;
  }

  /**
   * Starts the workers with replicas of `model` (its current weights). Each replica is a WASM
   * instance, so the pool stands in for WASM's missing threads; on another backend (a GPU) it is
   * refused with a {@linkcode UsageError}.
   */
  static async start(model: AlexNet, options: PoolOptions): Promise<DataParallelPool> {
    const backend = tf.getBackend();
    if (backend !== "wasm") {
      throw new UsageError(
        `--workers ${options.workers} runs ${options.workers} WASM instances in Web Workers, one per CPU core; ` +
          `the ${backend} backend does the work on its device — leave --workers out`,
      );
    }
    const entry = new URL("./replica_worker_entry.ts", import.meta.url);
    const members: PoolMember[] = Array.from(
      { length: options.workers },
      () => new WorkerMember(entry, "training worker"),
    );
    const { total } = trainableLayout(model);
    const gradients = new SharedArrayBuffer(total * 4 * options.workers);
    const weights = await model.weightArrays();
    try {
      await Promise.all(members.map((member, slot) =>
        member.call<"ready">({
          type: "init",
          spec: model.spec,
          weights,
          frozen: options.frozen ?? [],
          sgd: options.sgd,
          gradients,
          slot,
        })
      ));
    } catch (error) {
      members.forEach((m) => m.terminate());
      throw error;
    }
    return new DataParallelPool(members, model.inputSize, total);
  }

  /** One SGD step on the batch (NHWC values, one label per image), split across the workers. */
  async step(
    x: Float32Array,
    labels: number[],
    numClasses: number,
    options: { dropout: boolean; learningRate: number; dropoutSeed?: number },
  ): Promise<StepResult> {
    const n = labels.length;
    const perImage = this.#inputSize * this.#inputSize * 3;
    const bounds = contiguousRanges(n, this.size);
    const replies = await Promise.all(this.#members.map((member, i) => {
      const [from, to] = bounds[i];
      if (to === from) return null;
      const part = x.slice(from * perImage, to * perImage);
      return member.call<"grad">({
        type: "grad",
        x: part,
        labels: Int32Array.from(labels.slice(from, to)),
        numClasses,
        dropout: options.dropout,
        // Each worker's share of the batch draws its own masks (two dropout layers: seed, seed + 1).
        dropoutSeed: options.dropoutSeed === undefined ? undefined : options.dropoutSeed + 2 * i,
      }, [part.buffer]);
    }));
    const shares = bounds.map(([from, to]) => (to - from) / n);
    const ranges = contiguousRanges(this.#parameters, this.size);
    await Promise.all(this.#members.map((m, i) => {
      const [from, to] = ranges[i];
      return m.call<"reduced">({ type: "reduce", shares, from, to });
    }));
    await Promise.all(
      this.#members.map((m) => m.call<"applied">({ type: "apply", learningRate: options.learningRate })),
    );
    const predicted = new Int32Array(n);
    let loss = 0;
    replies.forEach((reply, i) => {
      if (!reply) return;
      loss += reply.loss * shares[i];
      predicted.set(reply.predicted, bounds[i][0]);
    });
    return { loss, predicted };
  }

  /** Copies the (identical) replicas' weights into `model`. */
  async copyWeightsTo(model: AlexNet): Promise<void> {
    const { weights } = await this.#members[0].call<"weights">({ type: "weights" });
    model.setWeightArrays(weights);
  }

  close(): void {
    for (const m of this.#members) m.terminate();
  }
}
