/**
 * Where a predictor's forward passes run: on this thread, or split across the worker replicas
 * of a {@linkcode DataParallelPool} (`--workers N`). A {@linkcode MicroBatcher} wraps either.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { AlexNet } from "../model/alexnet.ts";
import type { DataParallelPool } from "../model/data_parallel_pool.ts";

/** Runs the network on a batch of normalised inputs. */
export interface LogitsRunner {
  /** Logits of `count` images given as NHWC values, `count × classes` floats, row after row. */
  run(values: Float32Array, count: number): Promise<Float32Array>;
}

/**
 * One forward pass on this thread's backend.
 *
 * @example
 * ```ts
 * const logits = await directRunner(model).run(values, 1);
 * ```
 */
export function directRunner(model: AlexNet): LogitsRunner {
  return {
    async run(values, count) {
      const size = model.inputSize;
      const out = tf.tidy(() => model.logitsTensor(tf.tensor4d(values, [count, size, size, 3]), false));
      try {
        return (await out.data()) as Float32Array;
      } finally {
        out.dispose();
      }
    },
  };
}

/**
 * The batch split across the pool's worker replicas (one WASM instance, one core each).
 *
 * @example
 * ```ts
 * const runner = poolRunner(await DataParallelPool.start(model, { workers: 2 }), 1000);
 * ```
 */
export function poolRunner(pool: DataParallelPool, classes: number): LogitsRunner {
  return { run: (values, count) => pool.logits(values, count, classes) };
}
