/**
 * What every row of `deno task retrieval:bench` reports, and how a row's search figures are
 * measured: each query timed on its own, p50/p99 of those times, and recall@10 of the ids found
 * against the exact top 10 (row `r` of the generated set is id `v<r>`).
 *
 * @module
 */

/** One index's figures in the bench's table. */
export interface BenchRow {
  index: string;
  n: number;
  buildS: number;
  addPerS: number;
  p50Ms: number;
  p99Ms: number;
  recallAt10: number | null;
  snapshotMiB?: number;
  restoreS?: number;
  rssMiB: number;
  peer?: string;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

/** The share of each query's exact top 10 (`truth[q]`, row numbers) among the first 10 ids `found` for it. */
export function recallAt10(found: string[][], truth: Int32Array[]): number {
  let hits = 0;
  found.forEach((ids, q) => {
    const want = new Set(Array.from(truth[q].subarray(0, 10), (r) => `v${r}`));
    hits += ids.slice(0, 10).filter((id) => want.has(id)).length;
  });
  return hits / (10 * found.length);
}

/**
 * Runs `search` on each query in turn, timing each; returns p50/p99 (ms) and the ids found.
 *
 * @example
 * ```ts
 * const { p50Ms, found } = await timeSearches(queries, (q) => index.search(q, 10).map((h) => h.id));
 * recallAt10(found, truth);
 * ```
 */
export async function timeSearches(
  queries: readonly Float32Array[],
  search: (q: Float32Array) => Promise<string[]> | string[],
): Promise<{ p50Ms: number; p99Ms: number; found: string[][] }> {
  const times: number[] = [], found: string[][] = [];
  for (const q of queries) {
    const t = performance.now();
    found.push(await search(q));
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50Ms: percentile(times, 0.5), p99Ms: percentile(times, 0.99), found };
}
