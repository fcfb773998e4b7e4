import assert from "node:assert/strict";
import { cropImage } from "../image/crop_image.ts";
import { generateShapeImage } from "../image/generated_shapes.ts";
import { IMAGENET_NORMALIZATION, normalizeBatch } from "../image/normalize_batch.ts";
import { resizeShortSide } from "../image/resize_short_side.ts";
import { SeededRandom } from "../image/seeded_random.ts";
import { evaluationCrops, modelInput } from "./preprocess.ts";

const preprocessing = { resizeSize: 73, inputSize: 63, normalization: IMAGENET_NORMALIZATION };
const image = generateShapeImage(2, 120, new SeededRandom(1));

Deno.test("the centre crop is the middle inputSize square of the image rescaled to resizeSize", () => {
  const [crop] = evaluationCrops(image, preprocessing);
  const scaled = resizeShortSide(image, 73);
  assert.deepEqual(crop, cropImage(scaled, { x: 5, y: 5, size: 63, flip: false }));
  const { values, count } = modelInput([image, image], preprocessing);
  assert.equal(count, 2);
  assert.deepEqual(values, normalizeBatch([crop, crop], IMAGENET_NORMALIZATION));
});

Deno.test("ten-crop gives the four corners and the centre, each also mirrored (§4.1)", () => {
  const crops = evaluationCrops(image, preprocessing, "ten-crop");
  assert.equal(crops.length, 10);
  const scaled = resizeShortSide(image, 73);
  assert.deepEqual(crops[0], cropImage(scaled, { x: 0, y: 0, size: 63, flip: false }));
  assert.deepEqual(crops[8], cropImage(scaled, { x: 10, y: 10, size: 63, flip: true }));
  assert.deepEqual(crops[9], cropImage(scaled, { x: 5, y: 5, size: 63, flip: true }));
  assert.equal(modelInput([image], preprocessing, "ten-crop").count, 10);
});
