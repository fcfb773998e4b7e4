/**
 * `deno task retrieval:bench --shards S`: the compact index split the way `--shard I/N` splits
 * it, at sizes whose full vectors do not fit in memory as float32 (1M × 4096 = 16 GB). Vectors
 * are generated in chunks; each chunk updates the exact top 10 of every query (a matrix product
 * on the backend) and goes to its shard's float16 buffer; each shard's index is then built in
 * turn. A query is searched in every shard one after another in this one process (deployed
 * shards answer in parallel) and the answers merged, as the scatter-gather does.
 *
 * @module
 */
import { ProgressBar } from "../../../shared/cli/mod.ts";
import { CompactIndex, type CompactSettings, defaultLists, describeCompact } from "../compact/compact_index.ts";
import { syntheticVectors } from "../compact/synthetic_vectors.ts";
import { shardOf } from "../shards.ts";
import { ExactTop } from "./exact_top.ts";

/** What the sharded run reports. */
export interface ShardedResult {
  index: string;
  n: number;
  shards: number;
  buildS: number;
  addPerS: number;
  p50Ms: number;
  p99Ms: number;
  recallAt10: number;
  rssMiB: number;
}

/** Runs the sharded measurement on `n` generated vectors and `queryCount` queries. */
export async function shardedBench(
  n: number,
  shards: number,
  queryCount: number,
  dimension: number,
  settings: CompactSettings,
  seed: number,
  log: (line: string) => void,
): Promise<ShardedResult> {
  const queries: Float32Array[] = [];
  let truth: ExactTop | null = null;
  const buffers: Float16Array[][] = Array.from({ length: shards }, () => []);
  const ids: string[][] = Array.from({ length: shards }, () => []);
  const bar = new ProgressBar("vectors", n + queryCount, { unit: "vectors" });
  await syntheticVectors(n + queryCount, { dimension, seed }, async (chunk, done) => {
    const start = done - chunk.length;
    const base: Float32Array[] = [];
    chunk.forEach((row, i) => {
      const global = start + i;
      if (global < queryCount) return void queries.push(row);
      const id = `v${global - queryCount}`, s = shardOf(id, shards);
      buffers[s].push(Float16Array.from(row));
      ids[s].push(id);
      base.push(row);
    });
    truth ??= new ExactTop(queries, 10); // the queries are the first rows of the first chunk
    await truth.offer(base, done - base.length - queryCount);
    bar.tick(chunk.length);
  }, false);
  bar.done();

  const indexes: CompactIndex[] = [];
  const started = performance.now();
  for (let s = 0; s < shards; s++) {
    const rows = buffers[s].map((h) => Float32Array.from(h));
    buffers[s] = [];
    const lists = settings.lists || defaultLists(rows.length);
    const t = performance.now();
    indexes.push(await CompactIndex.build(ids[s], rows, { ...settings, lists }));
    log(`shard ${s}/${shards}: ${rows.length} vectors in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const buildS = (performance.now() - started) / 1000;
  const times: number[] = [];
  let found = 0;
  queries.forEach((q, i) => {
    const t = performance.now();
    const merged = indexes.flatMap((index) => index.search(q, 10)).sort((a, b) => b.score - a.score).slice(0, 10);
    times.push(performance.now() - t);
    const want = new Set(Array.from(truth!.rows(i), (r) => `v${r}`));
    found += merged.filter((h) => want.has(h.id)).length;
  });
  truth!.dispose();
  times.sort((a, b) => a - b);
  return {
    index: `compact, ${shards} shards in one process, searched in turn: ${
      describeCompact(indexes[0].settings)
    } (shard 0)`,
    n,
    shards,
    buildS,
    addPerS: n / buildS,
    p50Ms: times[Math.floor(times.length / 2)],
    p99Ms: times[Math.min(times.length - 1, Math.floor(times.length * 0.99))],
    recallAt10: found / (10 * queryCount),
    rssMiB: Deno.memoryUsage().rss / 2 ** 20,
  };
}
