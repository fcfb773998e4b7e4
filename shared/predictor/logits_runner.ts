/**
 * Where a predictor's forward passes run: on this thread, or with the convolutions split across
 * the worker replicas of a {@linkcode FeaturePool} (`--workers N`). A {@linkcode MicroBatcher}
 * wraps either.
 *
 * @module
 */
import type { FeaturePool } from "../model/feature_pool.ts";
import type { InferenceNetwork } from "../model/inference_network.ts";

/** Runs the network on a batch of normalised inputs. */
export interface LogitsRunner {
  /** Logits of `count` images given as NHWC values, `count × classes` floats, row after row. */
  run(values: Float32Array, count: number): Promise<Float32Array>;
}

/**
 * One forward pass on this thread.
 *
 * @example
 * ```ts
 * const logits = await directRunner(network).run(values, 1);
 * ```
 */
export function directRunner(network: InferenceNetwork): LogitsRunner {
  return { run: (values, count) => network.logits(values, count) };
}

/**
 * The batch's convolutions split across the pool's worker replicas (one WASM instance, one core
 * each), then the fully connected layers on this thread.
 *
 * @example
 * ```ts
 * const runner = poolRunner(await FeaturePool.start(network, { workers: 2 }));
 * ```
 */
export function poolRunner(pool: FeaturePool): LogitsRunner {
  return { run: (values, count) => pool.logits(values, count) };
}
