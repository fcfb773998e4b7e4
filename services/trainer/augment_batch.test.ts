import assert from "node:assert/strict";
import {
  centerCrop,
  computeColourPca,
  generateShapeImage,
  IMAGENET_NORMALIZATION,
  normalizeBatch,
} from "../../shared/image/mod.ts";
import { SeededRandom } from "../../shared/random/mod.ts";
import { augmentBatch } from "./augment_batch.ts";

const images = Array.from({ length: 3 }, (_, i) => generateShapeImage(i, 73, new SeededRandom(i)));

Deno.test("without augmentation a batch is the normalised centre crops", () => {
  const values = augmentBatch(images, { inputSize: 63, crop: false, flip: false, pca: null }, new SeededRandom(1));
  const expected = normalizeBatch(images.map((image) => centerCrop(image, 63)), IMAGENET_NORMALIZATION);
  assert.deepEqual(values, expected);
});

Deno.test("random crops, flips and colour noise are drawn from the seed: same seed, same batch", () => {
  const augmentation = { inputSize: 63, crop: true, flip: true, pca: computeColourPca(images) };
  const a = augmentBatch(images, augmentation, new SeededRandom(7));
  assert.deepEqual(a, augmentBatch(images, augmentation, new SeededRandom(7)));
  assert.notDeepEqual(a, augmentBatch(images, augmentation, new SeededRandom(8)));
  assert.equal(a.length, 3 * 63 * 63 * 3);
  const plain = augmentBatch(images, { ...augmentation, crop: false, flip: false, pca: null }, new SeededRandom(7));
  assert.notDeepEqual(a, plain);
});
