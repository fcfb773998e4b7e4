/**
 * Inference on every core: N Web Workers, each with its own WASM instance and a replica of the
 * network's convolutional part, compute the `pool5` features of their share of a batch in
 * parallel; the fully connected layers then run once, on this thread, from the one copy of their
 * weights in the {@linkcode DenseHead} (so N workers cost N copies of a few MiB of convolution
 * weights, not of the 56–233 MiB of fc6–fc8).
 *
 * @module
 */
import type { FeatureReply, FeatureRequest } from "./feature_worker.ts";
import type { InferenceNetwork } from "./inference_network.ts";
import { contiguousRanges, WorkerMember } from "./worker_member.ts";

type Member = WorkerMember<FeatureRequest, FeatureReply>;

/**
 * @example
 * ```ts
 * const pool = await FeaturePool.start(network, { workers: 2 });
 * const logits = await pool.logits(values, 8);
 * pool.close();
 * ```
 */
export class FeaturePool {
  readonly size: number;
  readonly #members: Member[];
  readonly #network: InferenceNetwork;

  private constructor(members: Member[], network: InferenceNetwork) {
    this.#members = members;
    this.size = members.length;
    this.#network = network;
  }

  /**
   * Starts `workers` replicas of `network`'s convolutional part. Each is a WASM instance, so
   * the pool stands in for WASM's missing threads; on another backend (a GPU) the network's
   * features refuse with a `UsageError`.
   */
  static async start(network: InferenceNetwork, options: { workers: number }): Promise<FeaturePool> {
    const replica = await network.features.replica(options.workers);
    const entry = new URL("./feature_worker_entry.ts", import.meta.url);
    const members: Member[] = Array.from(
      { length: options.workers },
      () => new WorkerMember(entry, "inference worker"),
    );
    try {
      await Promise.all(members.map((m) => m.call<"ready">({ type: "init", replica })));
    } catch (error) {
      members.forEach((m) => m.terminate());
      throw error;
    }
    return new FeaturePool(members, network);
  }

  /** `pool5` features of `count` images (NHWC values), the shares computed by the workers in parallel. */
  async pool5(x: Float32Array, count: number): Promise<Float32Array> {
    const size = this.#network.inputSize;
    const perImage = size * size * 3;
    const bounds = contiguousRanges(count, this.size);
    const parts = await Promise.all(this.#members.map((member, i) => {
      const [from, to] = bounds[i];
      if (to === from) return null;
      const part = x.slice(from * perImage, to * perImage);
      return member.call<"features">({ type: "features", x: part, count: to - from }, [part.buffer]);
    }));
    const width = this.#network.featureSize;
    const out = new Float32Array(count * width);
    parts.forEach((reply, i) => reply && out.set(reply.values, bounds[i][0] * width));
    return out;
  }

  /** Logits of `count` images: features on the workers, then the fully connected layers here. */
  async logits(x: Float32Array, count: number): Promise<Float32Array> {
    return this.#network.head.forward(await this.pool5(x, count), count).logits;
  }

  close(): void {
    for (const m of this.#members) m.terminate();
  }
}
