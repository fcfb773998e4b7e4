import assert from "node:assert/strict";
import { computeColourPca, generateShapeImage } from "../../shared/image/mod.ts";
import { SeededRandom } from "../../shared/random/mod.ts";
import { BatchPipeline, type TrainingBatch } from "./batch_pipeline.ts";

// Each image's label is its index, so a batch's labels say which images it holds.
const images = Array.from({ length: 23 }, (_, i) => generateShapeImage(i % 4, 73, new SeededRandom(i)));
const split = { images, labels: images.map((_, i) => i) };
const augmentation = { inputSize: 63, crop: true, flip: true, pca: computeColourPca(images) };

async function epochs(workers: number, output: "packed" | "float", count: number): Promise<TrainingBatch[][]> {
  const pipeline = await BatchPipeline.start(split, { batchSize: 5, augmentation, output, seed: 7, workers });
  try {
    const out: TrainingBatch[][] = [];
    for (let epoch = 1; epoch <= count; epoch++) out.push(await Array.fromAsync(pipeline.epoch(epoch)));
    return out;
  } finally {
    pipeline.close();
  }
}

Deno.test("each epoch holds every image once, in a new order of batches", async () => {
  const [first, second] = await epochs(0, "packed", 2);
  assert.deepEqual(first.map((b) => b.labels.length), [5, 5, 5, 5, 3]);
  for (const epoch of [first, second]) {
    assert.deepEqual(epoch.flatMap((b) => b.labels).sort((a, b) => a - b), split.labels);
  }
  assert.notDeepEqual(first.flatMap((b) => b.labels), second.flatMap((b) => b.labels));
});

Deno.test("batches prepared in Web Workers equal those prepared on this thread", async () => {
  for (const output of ["packed", "float"] as const) {
    const [inline, inWorkers] = [await epochs(0, output, 2), await epochs(2, output, 2)];
    assert.deepEqual(inWorkers, inline, `${output} batches`);
  }
});
