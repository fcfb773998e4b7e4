import assert from "node:assert/strict";
import { labelsForClasses } from "../labels/class_labels.ts";
import { meanSoftmax, topPredictions } from "./class_scores.ts";

Deno.test("softmax of each row, averaged over rows, matches hand-computed values", () => {
  // Row 1: softmax(0, ln 3) = (1/4, 3/4); row 2: softmax(0, 0) = (1/2, 1/2); mean = (3/8, 5/8).
  const mean = meanSoftmax(new Float32Array([0, Math.log(3), 5, 5]), 2);
  assert.ok(Math.abs(mean[0] - 3 / 8) < 1e-7 && Math.abs(mean[1] - 5 / 8) < 1e-7, `${mean}`);
  // Large logits do not overflow.
  const big = meanSoftmax([1000, 1000, 999], 1);
  assert.ok(Number.isFinite(big[2]) && Math.abs(big.reduce((a, b) => a + b) - 1) < 1e-12);
  assert.throws(() => meanSoftmax([1, 2, 3], 2), RangeError);
});

Deno.test("top predictions are the most probable classes, best first, with English and Chinese labels", () => {
  const labels = labelsForClasses(["cat", "dog", "bird"]);
  const top = topPredictions([0, 2, 1], 1, labels, 2);
  assert.deepEqual(top.map((p) => [p.index, p.label, p.labels.zh]), [[1, "dog", "狗"], [2, "bird", "鸟"]]);
  assert.ok(top[0].probability > top[1].probability);
  assert.equal(topPredictions([0, 2, 1], 1, labels, 10).length, 3);
  assert.throws(() => topPredictions([0, 1], 1, labels, 1), /3 labels for 2 classes/);
});
