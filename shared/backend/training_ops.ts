/**
 * Registers what training needs beyond the lean engine (`tensorflow.ts`): every op's gradient
 * and the chained ops (`x.transpose()`) — by loading the `@tensorflow/tfjs` bundle, which
 * registers them (and its CPU and WebGL backends) on the same core on import. Imported for its
 * effect by the training step, the optimiser and the training workers, so that inference-only
 * processes (the edge function) never load it.
 *
 * @module
 */
import "@tensorflow/tfjs";
