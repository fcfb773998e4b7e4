import assert from "node:assert/strict";
import type { RgbImage } from "./rgb_image.ts";
import { kernelGrid, nearestByEuclidean, neighbourGrid } from "./paper_figures.ts";

Deno.test("each kernel in the Fig. 3 grid is contrast-normalised to the full 0–255 range on its own", () => {
  // Two 2×2 kernels, HWIO order: kernel 0 spans [-1, 1], kernel 1 spans [10, 10.5].
  const shape = [2, 2, 3, 2];
  const weights = new Float32Array(2 * 2 * 3 * 2);
  for (let p = 0; p < 12; p++) {
    weights[p * 2] = -1 + (2 * p) / 11;
    weights[p * 2 + 1] = 10 + (0.5 * (11 - p)) / 11;
  }
  const grid = kernelGrid(weights, shape, 2, 1, 1);
  assert.deepEqual([grid.width, grid.height], [1 + 2 * 3, 1 + 3]);
  const pixel = (
    x: number,
    y: number,
  ) => [...grid.data.subarray((y * grid.width + x) * 3, (y * grid.width + x) * 3 + 3)];
  assert.deepEqual(pixel(1, 1), [0, 23, 46]); // kernel 0 starts at its minimum
  assert.deepEqual(pixel(2, 2), [209, 232, 255]); // and ends at its maximum
  assert.deepEqual(pixel(4, 1), [255, 232, 209]); // kernel 1 runs the other way, also full range
  assert.deepEqual(pixel(0, 0), [255, 255, 255]); // white gaps
});

Deno.test("Fig. 4 neighbours are the nearest by Euclidean distance, query first in each row", () => {
  const vectors = [[0, 0], [5, 5], [1, 0], [0, 2], [9, 9]];
  assert.deepEqual(nearestByEuclidean([0, 0], vectors, 3, 0), [2, 3, 1]);
  const solid = (v: number): RgbImage => ({ width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).fill(v) });
  const grid = neighbourGrid([{ query: solid(10), neighbours: [solid(20), solid(30)] }], 8, 2);
  assert.deepEqual([grid.width, grid.height], [3 * 10 + 6, 12]);
  assert.equal(grid.data[(3 * grid.width + 3) * 3], 10);
  assert.equal(grid.data[(3 * grid.width + 6 + 10 + 3) * 3], 20);
});
