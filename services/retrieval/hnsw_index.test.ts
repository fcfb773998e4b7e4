import assert from "node:assert/strict";
import { selectBackend } from "../../shared/backend/mod.ts";
import { SeededRandom } from "../../shared/random/mod.ts";
import { HnswIndex } from "./hnsw_index.ts";
import { VectorIndex } from "./vector_index.ts";

await selectBackend("wasm");

Deno.test("HNSW search agrees with exact search (recall@10 ≥ 0.95 on clustered data) and honours removals", async () => {
  const rng = new SeededRandom(3);
  const dim = 64;
  const centres = Array.from({ length: 20 }, () => Float32Array.from({ length: dim }, () => rng.normal()));
  const exact = new VectorIndex(dim);
  const ann = await HnswIndex.create(dim, undefined, 16); // small capacity: exercises resizing
  for (let i = 0; i < 1500; i++) {
    const c = centres[i % 20];
    const v = Float32Array.from(c, (x) => x + rng.normal(0, 0.5));
    exact.add(`v${i}`, v);
    ann.add(`v${i}`, v);
  }
  let found = 0;
  for (let q = 0; q < 50; q++) {
    const query = Float32Array.from(centres[q % 20], (x) => x + rng.normal(0, 0.5));
    const truth = new Set((await exact.search(query, 10)).map((h) => h.id));
    const hits = ann.search(query, 10);
    found += hits.filter((h) => truth.has(h.id)).length;
    const best = (await exact.search(query, 1))[0];
    const same = hits.find((h) => h.id === best.id);
    if (same) assert.ok(Math.abs(same.score - best.score) < 1e-4, "scores are cosine similarities");
  }
  assert.ok(found / 500 >= 0.95, `recall@10 ${found / 500}`);
  assert.ok(ann.remove("v0"));
  assert.ok(!ann.search(exact.vector("v0")!, 5).some((h) => h.id === "v0"));
  exact.dispose();
});
