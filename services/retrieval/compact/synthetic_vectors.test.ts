import assert from "node:assert/strict";
import { selectBackend } from "../../../shared/backend/mod.ts";
import { syntheticVectors } from "./synthetic_vectors.ts";

await selectBackend("cpu");

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);
const zeroShare = (vs: Float32Array[]) =>
  vs.reduce((s, v) => s + v.filter((x) => x === 0).length, 0) / (vs.length * vs[0].length);
/** Pairs closer than 0.99 cosine, each vector counted once. */
const nearPairs = (vs: Float32Array[]) => vs.filter((v, i) => vs.slice(0, i).some((w) => dot(v, w) > 0.99)).length;

Deno.test("generated vectors are unit-length, non-negative and the same for the same seed", async () => {
  const a = await syntheticVectors(300, { dimension: 64, clusters: 5, seed: 4 });
  const b = await syntheticVectors(300, { dimension: 64, clusters: 5, seed: 4 });
  assert.deepEqual(a, b);
  for (const v of a) {
    assert.ok(Math.abs(Math.sqrt(dot(v, v)) - 1) < 1e-5);
    assert.ok(v.every((x) => x >= 0));
  }
});

Deno.test("the hard options make sparser catalogues with unequal clusters, own directions and near-duplicates", async () => {
  const shape = { dimension: 128, clusters: 30, factors: 16, seed: 2 };
  const plain = await syntheticVectors(600, shape);
  const hard = await syntheticVectors(600, { ...shape, ownFactors: 8, sizeSkew: 1, centreShift: 1, duplicates: 0.05 });
  assert.ok(zeroShare(hard) > zeroShare(plain) + 0.2, `zeros ${zeroShare(hard)} vs ${zeroShare(plain)}`);
  assert.ok(nearPairs(plain) === 0, `plain has ${nearPairs(plain)} near-duplicates`);
  const dups = nearPairs(hard);
  assert.ok(dups >= 15 && dups <= 50, `about 5% of 600 are near-duplicates: ${dups}`);
  // Unequal sizes (1/rank: the largest of 30 clusters holds about a quarter): some vector has far more close neighbours.
  const skewed = await syntheticVectors(600, { ...shape, sizeSkew: 1 });
  const closeTo = (vs: Float32Array[], v: Float32Array) => vs.filter((w) => dot(v, w) > 0.8).length;
  const mostCrowded = (vs: Float32Array[]) => Math.max(...vs.slice(0, 100).map((v) => closeTo(vs, v)));
  assert.ok(mostCrowded(skewed) > 3 * mostCrowded(plain), `crowding ${mostCrowded(skewed)} vs ${mostCrowded(plain)}`);
});
