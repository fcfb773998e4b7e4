/**
 * Seeded pseudo-random numbers for everything that must be reproducible from a `--seed`: weight
 * initialisation, splits, augmentation draws, dropout masks, generated images and test data.
 *
 * @example
 * ```ts
 * import { SeededRandom } from "../../shared/random/mod.ts";
 * const random = new SeededRandom(42);
 * ```
 *
 * @module
 */
export { SeededRandom } from "./seeded_random.ts";
