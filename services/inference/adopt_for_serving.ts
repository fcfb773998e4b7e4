/**
 * How the inference service adopts a verified checkpoint from the follower: warm it up
 * (the first call builds kernels and packs weights), then swap it into the slot.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { LoadedCheckpoint } from "../../shared/checkpoint/checkpoint_files.ts";
import { type ModelSlot, serve } from "./model_slot.ts";

/** Returns the follower callbacks that serve each adopted checkpoint from `slot`. */
export function servingAdopter(slot: ModelSlot): {
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
      slot.swap(serve(checkpoint));
    },
  };
}
