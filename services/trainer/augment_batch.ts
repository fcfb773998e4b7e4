/**
 * The paper's training-time augmentation (§4.1) turned into network input: for each image a
 * random `inputSize` crop (or the centre one) with a coin-flip mirror, then PCA colour noise
 * per image, then normalisation into NHWC float32 values.
 *
 * @module
 */
import {
  centerCropWindow,
  type ColourPca,
  cropImage,
  drawColourShift,
  IMAGENET_NORMALIZATION,
  normalizeBatch,
  randomCropWindow,
  type RgbImage,
  type SeededRandom,
} from "../../shared/image/mod.ts";

/** Which augmentations a run uses. */
export interface Augmentation {
  inputSize: number;
  crop: boolean;
  flip: boolean;
  /** The training set's colour PCA, or null for no colour noise. */
  pca: ColourPca | null;
}

/**
 * Network input for one training batch; `rng` draws crops, flips and colour shifts in that order.
 *
 * @example
 * ```ts
 * const values = augmentBatch(images, { inputSize: 224, crop: true, flip: true, pca }, rng);
 * ```
 */
export function augmentBatch(images: RgbImage[], augmentation: Augmentation, rng: SeededRandom): Float32Array {
  const { inputSize, crop, flip, pca } = augmentation;
  const crops = images.map((image) => {
    const window = crop
      ? randomCropWindow(image, inputSize, rng, flip)
      : { ...centerCropWindow(image, inputSize), flip: flip && rng.uniform() < 0.5 };
    return cropImage(image, window);
  });
  const shifts = pca ? images.map(() => drawColourShift(pca, rng)) : undefined;
  return normalizeBatch(crops, IMAGENET_NORMALIZATION, shifts);
}
