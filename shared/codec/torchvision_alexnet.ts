/**
 * Maps torchvision's AlexNet `state_dict` (`features.*`, `classifier.*`) onto our
 * `alexnet-owt`, and back to a checkpoint with ImageNet's classes and torchvision's
 * preprocessing (resize 256, centre crop 224, ImageNet mean/std).
 *
 * Layouts differ in two places: PyTorch stores conv kernels OIHW and linear weights
 * [out, in], TF.js wants HWIO and [in, out]; and PyTorch flattens pool5 as (C, H, W) while our
 * `pool5_flat` is NHWC, so fc6's 9216 inputs are permuted.
 *
 * @module
 */
import * as tf from "../backend/tensorflow.ts";
import { AlexNet } from "../model/alexnet.ts";
import { TORCHVISION_KEYS } from "../model/build_alexnet.ts";
import { IMAGENET_NORMALIZATION } from "../image/normalize_batch.ts";
import { IMAGENET_SYNSETS } from "../labels/imagenet_en.ts";
import type { ManifestInput } from "../checkpoint/checkpoint_files.ts";
import { PthFormatError, type TorchTensor } from "../checkpoint/read_pth.ts";

/** torchvision's evaluation transform for its ImageNet AlexNet weights. */
export const TORCHVISION_RESIZE = 256;
/** The spatial size of pool5 that fc6 reads (after the adaptive average pool). */
const POOL5 = 6;

function tensorOf(tensors: Map<string, TorchTensor>, key: string, rank: number): TorchTensor {
  const t = tensors.get(key);
  if (!t) throw new PthFormatError(`not a torchvision AlexNet state_dict: ${key} is missing`);
  if (t.shape.length !== rank) throw new PthFormatError(`${key} has shape [${t.shape}], expected rank ${rank}`);
  return t;
}

/**
 * Builds an `alexnet-owt` holding the weights of a torchvision AlexNet state_dict. The width
 * multiplier and class count are read from the tensors, so width-reduced copies import too.
 *
 * @example
 * ```ts
 * const model = alexNetFromTorchvision(readPthStateDict(await Deno.readFile("alexnet-owt-7be5be79.pth")));
 * ```
 */
export function alexNetFromTorchvision(
  tensors: Map<string, TorchTensor>,
  options: { inputSize?: number } = {},
): AlexNet {
  const expected = new Set(Object.values(TORCHVISION_KEYS).flatMap((p) => [`${p}.weight`, `${p}.bias`]));
  const extra = [...tensors.keys()].filter((k) => !expected.has(k));
  if (extra.length > 0) {
    throw new PthFormatError(
      `not torchvision's AlexNet: unexpected tensors ${extra.slice(0, 4).join(", ")}${extra.length > 4 ? ", …" : ""}`,
    );
  }
  const conv1 = tensorOf(tensors, "features.0.weight", 4);
  const fc8 = tensorOf(tensors, "classifier.6.weight", 2);
  const width = conv1.shape[0] / 64;
  const model = AlexNet.create({
    arch: "alexnet-owt",
    numClasses: fc8.shape[0],
    inputSize: options.inputSize ?? 224,
    width,
  });
  try {
    for (const [layerName, prefix] of Object.entries(TORCHVISION_KEYS)) {
      const layer = model.network.getLayer(layerName);
      const [kernelShape, biasShape] = layer.getWeights().map((w) => w.shape);
      const isConv = kernelShape.length === 4;
      const weight = tensorOf(tensors, `${prefix}.weight`, isConv ? 4 : 2);
      const bias = tensorOf(tensors, `${prefix}.bias`, 1);
      const values = tf.tidy(() => {
        const w = tf.tensor(weight.data, weight.shape);
        let kernel: tf.Tensor;
        if (isConv) kernel = tf.transpose(w, [2, 3, 1, 0]); // OIHW → HWIO
        else if (layerName === "fc6") {
          // [out, C·H·W] → [H·W·C, out]: PyTorch's flatten order to ours.
          const [out, inputs] = weight.shape;
          const channels = inputs / (POOL5 * POOL5);
          kernel = tf.reshape(tf.transpose(tf.reshape(w, [out, channels, POOL5, POOL5]), [2, 3, 1, 0]), [inputs, out]);
        } else kernel = tf.transpose(w); // [out, in] → [in, out]
        return [kernel, tf.tensor(bias.data, bias.shape)];
      });
      try {
        const got = values.map((v) => v.shape.join("×"));
        const want = [kernelShape, biasShape].map((s) => s.join("×"));
        if (got[0] !== want[0] || got[1] !== want[1]) {
          throw new PthFormatError(
            `${prefix} maps to ${layerName} as ${got.join(" + ")}, but alexnet-owt at width ${width} needs ` +
              `${want.join(" + ")}: not torchvision's AlexNet layout`,
          );
        }
        layer.setWeights(values);
      } finally {
        tf.dispose(values);
      }
    }
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

/** Manifest fields for an imported torchvision checkpoint: ImageNet classes, torchvision's transform. */
export function torchvisionManifestInfo(
  fields: { name: string; version: string; source: string; numClasses: number },
): ManifestInput {
  const classNames = fields.numClasses === IMAGENET_SYNSETS.length
    ? [...IMAGENET_SYNSETS]
    : Array.from({ length: fields.numClasses }, (_, i) => `class_${i}`);
  return {
    name: fields.name,
    version: fields.version,
    classNames,
    normalization: IMAGENET_NORMALIZATION,
    resizeSize: TORCHVISION_RESIZE,
    colourPca: null,
    training: { importedFrom: fields.source, framework: "pytorch/torchvision" },
    metrics: {},
    createdAt: new Date().toISOString(),
  };
}
