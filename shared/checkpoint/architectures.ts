/**
 * The names of the networks this project builds, as a checkpoint manifest records them. Kept
 * apart from `shared/model` (which builds each one) so that code reading checkpoint bytes —
 * the manifest schema, the bus, admin commands — never loads TensorFlow.js.
 *
 * @module
 */

/** The architectures this project builds: the paper's `alexnet` and torchvision's `alexnet-owt`. */
export const ARCHITECTURES = ["alexnet", "alexnet-owt"] as const;
/** One of {@linkcode ARCHITECTURES}. */
export type Architecture = typeof ARCHITECTURES[number];

/** The smallest input edge both variants accept (torchvision's AlexNet minimum). */
export const MIN_INPUT_SIZE = 63;
