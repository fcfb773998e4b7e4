import assert from "node:assert/strict";
import { selectBackend } from "../../shared/backend/mod.ts";
import { CompactIndex, DEFAULT_COMPACT } from "./compact/compact_index.ts";
import { syntheticVectors } from "./compact/synthetic_vectors.ts";
import { measureRecall, recallProbes, recallSpread, sampleIds } from "./recall_check.ts";
import { describeTuning, searchLadder, tuneForRecall } from "./recall_target.ts";
import { l2Normalize } from "./vector_index.ts";

await selectBackend("cpu");

/** The hard catalogue of recall_check.test.ts: 2,000 vectors, 20 clusters, reduced to 8 dimensions. */
const vectors = (await syntheticVectors(2000, { dimension: 256, clusters: 20, factors: 24, seed: 3 })).map(l2Normalize);
const ids = vectors.map((_, i) => `v${i}`);
const heldOut = sampleIds(ids, 40);
const build = () =>
  CompactIndex.build(
    ids,
    vectors,
    { ...DEFAULT_COMPACT, dims: 8, lists: 40, probes: 2, rerank: 20 },
    undefined,
    new Set(heldOut),
  );

Deno.test("the ladder of search settings runs from the given probes to every cell, each at four re-rank depths", () => {
  assert.deepEqual(searchLadder(2, 40).map((s) => s.probes), [2, 4, 8, 16, 40].flatMap((p) => [p, p, p, p]));
  assert.deepEqual(searchLadder(2, 40).slice(0, 4).map((s) => s.rerank), [100, 200, 400, 800]);
  assert.deepEqual(searchLadder(30, 40).map((s) => s.probes), [30, 30, 30, 30, 40, 40, 40, 40]);
});

Deno.test("a reachable target is met by the fastest setting both halves of the held-out images agree on, with room", async () => {
  const index = await build();
  try {
    const search = (v: Float32Array, k: number, ex: ReadonlySet<string>) => index.search(v, k, ex);
    const [choosing, checking] = [heldOut.slice(0, 20), heldOut.slice(20)];
    const before = await measureRecall(index, search, heldOut);
    assert.ok(before < 0.9, `the given settings miss it: ${before}`);
    const tuning = await tuneForRecall(index, index, heldOut, 0.9);
    assert.equal(tuning.met, true, describeTuning(tuning, index.listCount));
    assert.deepEqual([index.settings.probes, index.settings.rerank], [tuning.chosen.probes, tuning.chosen.rerank]);
    // Measured again, independently: the first half chose, the second half's figure is the one reported.
    const onChoosing = await measureRecall(index, search, choosing);
    const onChecking = await recallSpread(search, await recallProbes(index, checking));
    assert.ok(Math.abs(onChoosing - tuning.chosen.recallAt10) < 1e-9 && onChoosing >= 0.9, `choosing: ${onChoosing}`);
    assert.deepEqual(tuning.checked, { ...onChecking, queries: 20 });
    const lowerBound = (r: { recallAt10: number; standardError: number }) => r.recallAt10 - 2 * r.standardError;
    assert.ok(lowerBound(onChecking) >= 0.9, `checking: ${JSON.stringify(onChecking)}`);
    // Every faster setting that met it on the choosing half fell short on the checking half, less two standard errors.
    for (const faster of tuning.tried.filter((t) => t.recallAt10 >= 0.9 && t.msPerQuery < tuning.chosen.msPerQuery)) {
      index.tuneSearch(faster);
      const spread = await recallSpread(search, await recallProbes(index, checking));
      assert.ok(lowerBound(spread) < 0.9, `a faster setting passes both: ${JSON.stringify(faster)}`);
    }
    assert.match(describeTuning(tuning, index.listCount), /^recall target 0\.9: \d+ of 40 cells probed/);
  } finally {
    index.dispose();
  }
});

Deno.test("an unreachable target is said so, and the best recall found is served", async () => {
  const index = await build();
  try {
    const tuning = await tuneForRecall(index, index, heldOut, 1.01);
    assert.equal(tuning.met, false);
    assert.equal(tuning.chosen.recallAt10, Math.max(...tuning.tried.map((t) => t.recallAt10)));
    assert.match(describeTuning(tuning, index.listCount), /NOT met by any of 20 search settings: best/);
  } finally {
    index.dispose();
  }
});
