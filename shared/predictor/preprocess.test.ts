import assert from "node:assert/strict";
import { cropImage } from "../image/crop_image.ts";
import { generateShapeImage } from "../image/generated_shapes.ts";
import { IMAGENET_NORMALIZATION, normalizeBatch } from "../image/normalize_batch.ts";
import { resizeShortSide } from "../image/resize_short_side.ts";
import { SeededRandom } from "../random/seeded_random.ts";
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

Deno.test("a strip longer than 16:1 is cut to its central 16:1 part first; up to 16:1 nothing changes", () => {
  /** A horizontal gradient `width` × `height`, so every column differs. */
  const strip = (width: number, height: number, from = 0, of = width) => {
    const data = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        data.fill(Math.floor(((from + x) / of) * 255), (y * width + x) * 3, (y * width + x) * 3 + 3);
      }
    }
    return { width, height, data };
  };
  // 40000×2: rescaled whole it would be 1,460,000×73; its central 32×2 gives the same crop.
  const [crop] = evaluationCrops(strip(40_000, 2), preprocessing);
  assert.deepEqual(crop, evaluationCrops(strip(32, 2, 19_984, 40_000), preprocessing)[0]);
  const limit = strip(32, 2); // exactly 16:1: rescaled whole
  const scaled = resizeShortSide(limit, 73);
  assert.deepEqual(
    evaluationCrops(limit, preprocessing)[0],
    cropImage(scaled, { x: 552, y: 5, size: 63, flip: false }),
  );
});

Deno.test("preprocessing frees the images it made but leaves the caller's own whole, even one already the input size", () => {
  const own = { ...image, data: image.data.slice() };
  const exact = generateShapeImage(1, 63, new SeededRandom(2));
  const exactCopy = exact.data.slice();
  for (const tta of ["center", "ten-crop"] as const) modelInput([own, exact], preprocessing, tta);
  assert.deepEqual(own.data, image.data);
  assert.deepEqual(exact.data, exactCopy);
  const wide = generateShapeImage(0, 40, new SeededRandom(3));
  const strip = { width: 40 * 20, height: 40, data: new Uint8Array(40 * 20 * 40 * 3).fill(7) };
  modelInput([strip, wide], preprocessing);
  assert.equal(strip.data.length, 40 * 20 * 40 * 3);
});
