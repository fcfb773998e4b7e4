import assert from "node:assert/strict";
import { selectBackend } from "../../shared/backend/mod.ts";
import { CompactIndex, DEFAULT_COMPACT } from "./compact/compact_index.ts";
import { syntheticVectors } from "./compact/synthetic_vectors.ts";
import { LiveRecall, measureRecall, recallOf, recallProbes, recallSpread, sampleIds } from "./recall_check.ts";
import { l2Normalize, VectorIndex } from "./vector_index.ts";

await selectBackend("cpu");

/** A hard small catalogue: 2,000 vectors of 256 dimensions in 20 clusters, reduced to 8 dimensions. */
const vectors = (await syntheticVectors(2000, { dimension: 256, clusters: 20, factors: 24, seed: 3 })).map(l2Normalize);
const ids = vectors.map((_, i) => `v${i}`);

/** Each query's recall@10 by brute force in plain loops: the definition, independent of the code under test. */
function bruteRecalls(index: CompactIndex, queryIds: string[]): number[] {
  const each: number[] = [];
  for (const id of queryIds) {
    const q = index.vector(id)!;
    const scored = ids.filter((other) => other !== id).map((other) => {
      const v = index.vector(other)!;
      let dot = 0;
      for (let j = 0; j < q.length; j++) dot += q[j] * v[j];
      return { id: other, dot };
    }).sort((a, b) => b.dot - a.dot).slice(0, 10);
    const truth = new Set(scored.map((s) => s.id));
    each.push(index.search(q, 10, new Set([id])).filter((h) => truth.has(h.id)).length / 10);
  }
  return each;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

Deno.test("measured recall equals recall by the definition, and falls short of 1 on a hard catalogue", async () => {
  const heldOut = sampleIds(ids, 40);
  const index = await CompactIndex.build(
    ids,
    vectors,
    { ...DEFAULT_COMPACT, dims: 8, lists: 40, probes: 2, rerank: 20 },
    undefined,
    new Set(heldOut),
  );
  try {
    assert.equal(index.size, 2000, "held-out images are indexed, only not fitted on");
    const search = (v: Float32Array, k: number, ex: ReadonlySet<string>) => index.search(v, k, ex);
    const measured = await measureRecall(index, search, heldOut);
    const each = bruteRecalls(index, heldOut);
    const expected = mean(each);
    assert.ok(Math.abs(measured - expected) < 1e-9, `measured ${measured}, by definition ${expected}`);
    // The standard error: the sample standard deviation of the queries' recalls over √40.
    const spread = await recallSpread(search, await recallProbes(index, heldOut));
    const sd = Math.sqrt(each.reduce((a, r) => a + (r - expected) ** 2, 0) / 39);
    assert.ok(Math.abs(spread.standardError - sd / Math.sqrt(40)) < 1e-9 && spread.standardError > 0, String(spread));
    assert.ok(measured < 0.9, `a hard catalogue: ${measured}`);
  } finally {
    index.dispose();
  }
});

Deno.test("exact search measures recall 1; recallOf and the live window count as they say", async () => {
  const exact = new VectorIndex(256);
  ids.slice(0, 300).forEach((id, i) => exact.add(id, vectors[i]));
  try {
    const recall = await measureRecall(exact, (v, k, ex) => exact.search(v, k, ex), sampleIds(ids.slice(0, 300), 20));
    assert.equal(recall, 1);
  } finally {
    exact.dispose();
  }
  const hits = ["a", "b", "x"].map((id) => ({ id, score: 0 }));
  assert.equal(recallOf(hits, new Set(["a", "b", "c"]), 3), 2 / 3);
  const live = new LiveRecall(2);
  assert.equal(live.report(), null);
  live.record(1);
  live.record(0.5);
  live.record(0);
  assert.deepEqual(live.report(), { recallAt10: 0.25, queries: 2 }, "the window keeps the last two");
});
