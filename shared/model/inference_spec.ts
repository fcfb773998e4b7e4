/**
 * The shape of a network as inference rebuilds it from a checkpoint's manifest.
 *
 * @module
 */
import type { AlexNetSpec } from "./build_alexnet.ts";

/** The shape of the network (what rebuilding its convolutional part takes). */
export type InferenceSpec = Required<Omit<AlexNetSpec, "seed" | "init">>;
