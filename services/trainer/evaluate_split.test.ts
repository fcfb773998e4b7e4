import assert from "node:assert/strict";
import { tf } from "../../shared/backend/mod.ts";
import { selectBackend } from "../../shared/backend/mod.ts";
import { centerCrop, generateShapeDataset, IMAGENET_NORMALIZATION, normalizeBatch } from "../../shared/image/mod.ts";
import { AlexNet } from "../../shared/model/mod.ts";
import { evaluateSplit } from "./evaluate_split.ts";

await selectBackend("wasm");

Deno.test("validation loss, top-1 and top-5 equal a per-image computation from the logits", async () => {
  const model = AlexNet.create({ arch: "alexnet-owt", numClasses: 6, inputSize: 63, width: 0.25, seed: 4 });
  const data = generateShapeDataset(3, 73, 2); // 12 images, labels 0–3 of 6 outputs
  const before = tf.memory().numTensors;
  const result = await evaluateSplit(model, data, 5); // batches of 5, 5 and 2
  assert.equal(tf.memory().numTensors, before, "no tensor left behind");

  const x = tf.tensor4d(normalizeBatch(data.images.map((im) => centerCrop(im, 63)), IMAGENET_NORMALIZATION), [
    12,
    63,
    63,
    3,
  ]);
  const logits = await model.logits(x);
  x.dispose();
  let loss = 0, top1 = 0, top5 = 0;
  logits.forEach((row, i) => {
    const max = Math.max(...row);
    const logSum = Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) + max;
    loss += logSum - row[data.labels[i]];
    const rank = [...row].filter((v) => v > row[data.labels[i]]).length;
    top1 += rank === 0 ? 1 : 0;
    top5 += rank < 5 ? 1 : 0;
  });
  assert.ok(Math.abs(result.loss - loss / 12) < 1e-5, `${result.loss} vs ${loss / 12}`);
  assert.equal(result.top1, top1 / 12);
  assert.equal(result.top5, top5 / 12);
  model.dispose();
});
