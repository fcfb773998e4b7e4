import assert from "node:assert/strict";
import { encode as encodePng } from "fast-png";
import { UsageError } from "../../shared/cli/mod.ts";
import { generateShapeDataset, generateShapeImage } from "../../shared/image/mod.ts";
import { SeededRandom } from "../../shared/random/mod.ts";
import { DEFAULT_TRAIN_CONFIG } from "./train_config.ts";
import { loadTrainingData, splitIndices } from "./training_data.ts";

Deno.test("the validation split is stratified and the same for the same seed", () => {
  const labels = [...Array(50).fill(0), ...Array(30).fill(1)];
  const a = splitIndices(labels, 0.2, 7);
  assert.deepEqual(a, splitIndices(labels, 0.2, 7));
  assert.notDeepEqual(a.val, splitIndices(labels, 0.2, 8).val);
  assert.equal(a.val.filter((i) => labels[i] === 0).length, 10);
  assert.equal(a.val.filter((i) => labels[i] === 1).length, 6);
  assert.equal(new Set([...a.train, ...a.val]).size, 80);
});

Deno.test("the generated dataset is deterministic for a seed and balanced", () => {
  const a = generateShapeDataset(3, 32, 5);
  const b = generateShapeDataset(3, 32, 5);
  assert.deepEqual(a.images[7].data, b.images[7].data);
  assert.notDeepEqual(a.images[7].data, generateShapeDataset(3, 32, 6).images[7].data);
  assert.deepEqual(a.labels, [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
});

Deno.test("a folder is decoded at the run's resize size, split per class, and a --val folder must match its classes", async () => {
  const root = await Deno.makeTempDir({ prefix: "alexnet-data-" });
  const rng = new SeededRandom(2);
  for (const dir of ["train", "val"]) {
    for (const [label, name] of ["disc", "square"].entries()) {
      await Deno.mkdir(`${root}/${dir}/${name}`, { recursive: true });
      for (let i = 0; i < 5; i++) {
        const png = encodePng({ ...generateShapeImage(label, 60 + i * 7, rng), channels: 3, depth: 8 });
        await Deno.writeFile(`${root}/${dir}/${name}/${i}.png`, png);
      }
    }
  }
  const config = { ...DEFAULT_TRAIN_CONFIG, data: `${root}/train`, valSplit: 0.4, quiet: true };
  const split = await loadTrainingData(config, 73, { log: () => {} });
  assert.deepEqual(split.classNames, ["disc", "square"]);
  assert.deepEqual([split.train.images.length, split.val.images.length], [6, 4]);
  assert.ok(split.train.images.every((im) => im.width === 73 && im.height === 73));
  const withVal = await loadTrainingData({ ...config, val: `${root}/val` }, 73, { log: () => {} });
  assert.deepEqual([withVal.train.images.length, withVal.val.images.length], [10, 10]);
  await Deno.remove(`${root}/val/square`, { recursive: true });
  await Deno.mkdir(`${root}/val/triangle`);
  await Deno.writeFile(
    `${root}/val/triangle/0.png`,
    encodePng({ ...generateShapeImage(2, 60, rng), channels: 3, depth: 8 }),
  );
  await assert.rejects(loadTrainingData({ ...config, val: `${root}/val` }, 73, { log: () => {} }), UsageError);
  await Deno.remove(root, { recursive: true });
});
