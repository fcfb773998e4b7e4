import assert from "node:assert/strict";
import { selectBackend } from "../../../shared/backend/mod.ts";
import { VectorIndex } from "../vector_index.ts";
import { CompactIndex, type CompactSettings, DEFAULT_COMPACT } from "./compact_index.ts";
import { syntheticVectors } from "./synthetic_vectors.ts";

await selectBackend("cpu");

const SHAPE = { dimension: 512, clusters: 12, factors: 32, seed: 7 };
/** 3,000 indexed vectors and 40 held-out queries from the same clusters. */
const all = await syntheticVectors(3040, SHAPE);
const vectors = all.slice(0, 3000), queries = all.slice(3000);
const ids = vectors.map((_, i) => `v${i}`);
const exact = new VectorIndex(512);
ids.forEach((id, i) => exact.add(id, vectors[i]));

const build = (settings: Partial<CompactSettings>) =>
  CompactIndex.build(ids, vectors, { ...DEFAULT_COMPACT, dims: 64, lists: 24, probes: 6, ...settings });

async function recallAt10(index: CompactIndex): Promise<number> {
  let found = 0;
  for (const q of queries) {
    const truth = new Set((await exact.search(q, 10)).map((h) => h.id));
    found += index.search(q, 10).filter((h) => truth.has(h.id)).length;
  }
  return found / (10 * queries.length);
}

Deno.test("re-ranked on full vectors, the compact index finds ≥ 90% of the exact top 10 with exact scores", async () => {
  for (const codes of ["float16", "int8"] as const) {
    const index = await build({ rerankOn: "full", codes });
    const recall = await recallAt10(index);
    assert.ok(recall >= 0.9, `${codes}: recall@10 ${recall}`);
    const [top] = index.search(queries[0], 1);
    const [truth] = await exact.search(queries[0], 1);
    assert.equal(top.id, truth.id);
    assert.ok(Math.abs(top.score - truth.score) < 2e-3, `float16 cosine ${top.score}, exact ${truth.score}`);
  }
});

Deno.test("re-ranked on the reduced vectors, scores estimate the cosine; fewer probes find less", async () => {
  const index = await build({ rerankOn: "reduced" });
  const [top] = index.search(vectors[5], 1);
  assert.equal(top.id, "v5");
  const [second] = index.search(vectors[5], 2, new Set(["v5"]));
  const [truth] = await exact.search(vectors[5], 1, new Set(["v5"]));
  assert.ok(Math.abs(second.score - truth.score) < 0.05, `estimated ${second.score}, exact ${truth.score}`);
  const narrow = await build({ rerankOn: "full", probes: 1, rerank: 10 });
  const wide = await build({ rerankOn: "full", probes: 24, rerank: 200 });
  const [r1, r24] = [await recallAt10(narrow), await recallAt10(wide)];
  assert.ok(r1 < r24, `1 probe ${r1} < 24 probes ${r24}`);
});

Deno.test("whitened, int8- and float16-scanned variants find an indexed vector first", async () => {
  for (
    const settings of [
      { whiten: true, rerankOn: "reduced" },
      { codes: "float16", rerankOn: "reduced" },
      { codes: "int8", rerankOn: "reduced" },
    ] as const
  ) {
    const index = await build(settings);
    const [top] = index.search(vectors[9], 1);
    assert.equal(top.id, "v9", JSON.stringify(settings));
    assert.ok(top.score > (settings.codes ? 0.9 : 0.999), `${JSON.stringify(settings)}: ${top.score}`);
  }
});

Deno.test("adds and removals are incremental; a snapshot restores the same answers", async () => {
  // 20 dimensions: int8 codes padded to 32 bytes in the SIMD arena, 20 in the snapshot.
  for (
    const [rerankOn, codes, dims] of [["full", "float16", 64], ["reduced", "int8", 64], ["full", "int8", 20]] as const
  ) {
    const index = await build({ rerankOn, codes, dims });
    queries.slice(0, 5).forEach((v, i) => index.add(`new${i}`, v));
    assert.equal(index.size, 3005);
    assert.equal(index.search(queries[2], 1)[0].id, "new2");
    assert.ok(index.remove("new2"));
    assert.ok(!index.remove("new2"));
    assert.ok(!index.has("new2"));
    assert.notEqual(index.search(queries[2], 1)[0].id, "new2");
    index.add("v5", queries[39]); // replaces v5's vector
    assert.equal(index.size, 3004);

    const restored = CompactIndex.decode(index.encode());
    assert.equal(restored.size, index.size);
    assert.deepEqual(restored.encode(), index.encode());
    for (const q of [vectors[1], vectors[2000], queries[0], queries[30]]) {
      assert.deepEqual(restored.search(q, 10), index.search(q, 10));
    }
    assert.deepEqual(restored.search(queries[39], 1).map((h) => h.id), ["v5"]);
    // A stored image searches by its stored vector and finds itself first.
    assert.equal(restored.search(restored.vector("v7")!, 1)[0].id, "v7");
    assert.equal(restored.vector("nope"), null);
    assert.throws(() => CompactIndex.decode(new TextEncoder().encode("garbage bytes here")), /not a compact index/);
    assert.throws(() => CompactIndex.decode(index.encode().slice(0, 5000)), /truncated/);
  }
});
