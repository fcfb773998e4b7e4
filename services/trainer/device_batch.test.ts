import assert from "node:assert/strict";
import { selectBackend } from "../../shared/backend/mod.ts";
import { computeColourPca, generateShapeImage } from "../../shared/image/mod.ts";
import { SeededRandom } from "../../shared/random/mod.ts";
import { augmentBatch, augmentBatchPacked } from "./augment_batch.ts";
import { normalizePackedBatch } from "./device_batch.ts";

const images = Array.from({ length: 5 }, (_, i) => generateShapeImage(i % 4, 73, new SeededRandom(i)));
const augmentation = { inputSize: 63, crop: true, flip: true, pca: computeColourPca(images) };

for (const backend of ["cpu", "wasm", "webgpu"] as const) {
  Deno.test(`8-bit pixels normalised on the device (${backend}) equal the host's float batch`, async () => {
    await selectBackend(backend);
    const expected = augmentBatch(images, augmentation, new SeededRandom(3));
    const packed = augmentBatchPacked(images, augmentation, new SeededRandom(3));
    assert.equal(packed.pixels.length * 3, expected.length, "4 bytes per pixel instead of 12");
    const x = normalizePackedBatch(packed, 63);
    const actual = await x.data();
    x.dispose();
    let worst = 0;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    assert.ok(worst < 1e-5, `largest difference ${worst}`);
  });
}
