/**
 * Initialises a network from a pretrained checkpoint for fine-tuning: conv1–conv5, fc6 and
 * fc7 are copied, the output layer fc8 stays fresh (sized to the new classes). With
 * `freezeFeatures` the convolutional layers stop learning and only the classifier trains.
 *
 * @module
 */
import { UsageError } from "../../shared/cli/mod.ts";
import type { AlexNet } from "../../shared/model/mod.ts";

/** The layers whose weights carry over. */
export const TRANSFERRED_LAYERS = ["conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7"] as const;
const FEATURE_LAYERS = ["conv1", "conv2", "conv3", "conv4", "conv5"];

/**
 * @example
 * ```ts
 * copyPretrainedLayers(pretrained.model, model, { freezeFeatures: true });
 * ```
 */
export function copyPretrainedLayers(from: AlexNet, to: AlexNet, options: { freezeFeatures: boolean }): void {
  if (from.spec.arch !== to.spec.arch || from.spec.groups !== to.spec.groups || from.spec.width !== to.spec.width) {
    throw new UsageError(
      `the pretrained checkpoint is ${from.spec.arch} (groups ${from.spec.groups}, width ${from.spec.width}); ` +
        `train the same: --arch ${from.spec.arch} --groups ${from.spec.groups} --width ${from.spec.width}`,
    );
  }
  for (const name of TRANSFERRED_LAYERS) {
    // Shapes do not depend on the input size (adaptive pooling keeps fc6 at 9216 inputs).
    to.network.getLayer(name).setWeights(from.network.getLayer(name).getWeights());
  }
  if (options.freezeFeatures) { for (const name of FEATURE_LAYERS) to.network.getLayer(name).trainable = false; }
}
