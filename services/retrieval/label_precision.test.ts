import assert from "node:assert/strict";
import { selectBackend } from "../../shared/backend/mod.ts";
import { averagePrecision, scoreRetrieval } from "./label_precision.ts";

await selectBackend("wasm");

Deno.test("average precision follows its definition on hand-computed rankings", () => {
  assert.equal(averagePrecision([1, 1, 0, 0]), 1);
  assert.equal(averagePrecision([0, 1, 0, 1]), (1 / 2 + 2 / 4) / 2);
  assert.equal(averagePrecision([0, 0, 0]), 0);
});

Deno.test("separable clusters score perfectly, shuffled labels score at chance", async () => {
  // Two tight clusters along different axes.
  const vectors = [
    [1, 0.01, 0],
    [1, 0.02, 0],
    [1, 0, 0.01],
    [0.99, 0.01, 0.02],
    [0, 1, 0.01],
    [0.02, 1, 0],
    [0.01, 0.99, 0.02],
    [0, 1, 0.03],
  ].map((v) => Float32Array.from(v));
  const perfect = await scoreRetrieval(vectors, [0, 0, 0, 0, 1, 1, 1, 1], 3);
  assert.equal(perfect.precisionAt1, 1);
  assert.equal(perfect.meanAveragePrecision, 1);
  // P@5 over 7 others with 3 relevant: at best 3/5.
  assert.ok(Math.abs(perfect.precisionAt5 - 3 / 5) < 1e-9);
  const mixed = await scoreRetrieval(vectors, [0, 1, 0, 1, 0, 1, 0, 1]);
  assert.ok(mixed.precisionAt1 < 0.5 && mixed.meanAveragePrecision < 0.6);
});
