/**
 * How the inference service adopts a verified checkpoint (from the follower, or the folder it
 * was started with): warm it up (the first call builds kernels and packs weights), start its
 * worker replicas when asked, then swap it into the slot.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { LoadedCheckpoint } from "../../shared/checkpoint/checkpoint_files.ts";
import { DataParallelPool } from "../../shared/model/data_parallel_pool.ts";
import { type ModelSlot, serve } from "./model_slot.ts";

/**
 * Returns the follower callbacks that serve each adopted checkpoint from `slot`; with
 * `workers` > 1 each checkpoint also gets that many worker replicas, which share every batch.
 */
export function servingAdopter(slot: ModelSlot, workers = 1): {
  currentVersion: () => string | null;
  adopt: (checkpoint: LoadedCheckpoint) => Promise<void>;
} {
  return {
    currentVersion: () => slot.current?.checkpoint.manifest.version ?? null,
    adopt: async (checkpoint) => {
      const size = checkpoint.manifest.inputSize;
      const probe = tf.zeros([1, size, size, 3]) as tf.Tensor4D;
      try {
        await checkpoint.model.logits(probe);
      } finally {
        probe.dispose();
      }
      let pool: DataParallelPool | null = null;
      if (workers > 1) {
        pool = await DataParallelPool.start(checkpoint.model, { workers });
        await pool.logits(new Float32Array(workers * size * size * 3), workers, checkpoint.manifest.classNames.length);
      }
      slot.swap(serve(checkpoint, pool));
    },
  };
}
