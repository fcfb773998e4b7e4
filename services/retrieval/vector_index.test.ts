import assert from "node:assert/strict";
import { tf } from "../../shared/backend/mod.ts";
import { selectBackend } from "../../shared/backend/mod.ts";
import { SeededRandom } from "../../shared/random/mod.ts";
import { l2Normalize, VectorIndex } from "./vector_index.ts";

await selectBackend("wasm");

function bruteForce(vectors: Map<string, Float32Array>, query: Float32Array, k: number) {
  const q = l2Normalize(query);
  return [...vectors].map(([id, v]) => {
    const u = l2Normalize(v);
    return { id, score: u.reduce((s, x, i) => s + x * q[i], 0) };
  }).sort((a, b) => b.score - a.score).slice(0, k);
}

Deno.test("exact search returns the same neighbours and scores as a brute-force loop", async () => {
  const rng = new SeededRandom(1);
  const index = new VectorIndex(37);
  const vectors = new Map<string, Float32Array>();
  for (let i = 0; i < 300; i++) {
    const v = Float32Array.from({ length: 37 }, () => rng.normal());
    vectors.set(`img-${i}`, v);
    index.add(`img-${i}`, v);
  }
  const before = tf.memory().numTensors;
  for (let trial = 0; trial < 5; trial++) {
    const query = Float32Array.from({ length: 37 }, () => rng.normal());
    const expected = bruteForce(vectors, query, 10);
    const actual = await index.search(query, 10);
    assert.deepEqual(actual.map((h) => h.id), expected.map((h) => h.id));
    actual.forEach((h, i) => assert.ok(Math.abs(h.score - expected[i].score) < 1e-5));
  }
  assert.equal(tf.memory().numTensors, before + 1, "only the cached matrix stays on the backend");
  index.dispose();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("removing and replacing entries keeps search consistent; excluded ids are skipped", async () => {
  const index = new VectorIndex(3);
  index.add("x", [1, 0, 0]);
  index.add("y", [0, 1, 0]);
  index.add("z", [0, 0, 1]);
  index.add("xy", [1, 1, 0]);
  assert.deepEqual((await index.search([1, 0.1, 0], 2)).map((h) => h.id), ["x", "xy"]);
  assert.ok(index.remove("x"));
  assert.ok(!index.remove("x"));
  assert.deepEqual((await index.search([1, 0.1, 0], 2)).map((h) => h.id), ["xy", "y"]);
  index.add("z", [1, 0.05, 0]);
  assert.equal(index.size, 3);
  assert.deepEqual((await index.search([1, 0.1, 0], 1)).map((h) => h.id), ["z"]);
  assert.deepEqual((await index.search([1, 0.1, 0], 2, new Set(["z"]))).map((h) => h.id), ["xy", "y"]);
  assert.ok(Math.abs((await index.search([2, 0, 0], 1))[0].score - 1 / Math.sqrt(1.0025)) < 1e-6);
  assert.throws(() => index.add("bad", [1, 2]), /2 dimensions, the index 3/);
  index.dispose();
});
