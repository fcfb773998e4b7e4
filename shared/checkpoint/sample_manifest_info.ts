/**
 * Manifest fields for checkpoints that tests build directly from a fresh model (rather than
 * through the trainer): ImageNet normalisation, no colour PCA, empty training record.
 *
 * @module
 */
import { IMAGENET_NORMALIZATION } from "../image/normalize_batch.ts";
import type { ManifestInput } from "./checkpoint_files.ts";

/**
 * @example
 * ```ts
 * const files = await encodeCheckpoint(model, sampleManifestInfo({ name: "cats-dogs", classNames: ["cat", "dog"] }));
 * ```
 */
export function sampleManifestInfo(
  fields: Pick<ManifestInput, "name" | "classNames"> & Partial<ManifestInput>,
): ManifestInput {
  return {
    version: "v1",
    normalization: IMAGENET_NORMALIZATION,
    resizeSize: 73,
    colourPca: null,
    training: {},
    metrics: {},
    createdAt: new Date().toISOString(),
    ...fields,
  };
}
