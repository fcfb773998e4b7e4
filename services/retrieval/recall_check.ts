/**
 * How much of the true neighbourhood an approximate index finds: recall@10 of its answers against
 * exact cosine search over the same vectors — measured when an index is built or refitted (on
 * catalogue images held out of the fit, each left out of its own answers) and on a trickle of
 * live queries (a rolling window), both off the request path.
 *
 * @module
 */
import { ExactTop } from "./exact_top.ts";
import type { Neighbour, SearchIndex } from "./vector_index.ts";
import { SeededRandom } from "../../shared/random/mod.ts";

/** The neighbours recall is counted over. */
export const RECALL_K = 10;

/** Rows read per exact-search chunk (a matrix product each; the event loop runs between chunks). */
const CHUNK = 2048;

/** What was measured. */
export interface RecallReport {
  recallAt10: number;
  /** Queries it was measured on (0: exact search, recall 1 by construction). */
  queries: number;
  /** Catalogue size it was measured over. */
  over: number;
  measuredAt: string;
  /** `held-out`: images not fitted on; `sample`: images of a restored index; `exact`: nothing to measure. */
  basis: "held-out" | "sample" | "exact";
}

/** Up to `count` ids drawn (seeded) from `ids`. */
export function sampleIds(ids: readonly string[], count: number, seed = 7): string[] {
  if (ids.length <= count) return [...ids];
  return new SeededRandom(seed).shuffle([...ids]).slice(0, count);
}

/**
 * The exact top `k` of each query vector over every vector of `source`, skipping each query's
 * `exclude` ids.
 */
export async function exactNeighbours(
  source: SearchIndex,
  queries: { vector: Float32Array; exclude: ReadonlySet<string> }[],
  k = RECALL_K,
): Promise<Set<string>[]> {
  const ids = source.ids();
  const widest = Math.max(0, ...queries.map((q) => q.exclude.size));
  const top = new ExactTop(queries.map((q) => q.vector), k + widest);
  try {
    for (let start = 0; start < ids.length; start += CHUNK) {
      const rows = ids.slice(start, start + CHUNK).map((id) => source.vector(id)!);
      await top.offer(rows, start);
    }
    return queries.map((q, i) =>
      new Set([...top.rows(i)].map((row) => ids[row]).filter((id) => !q.exclude.has(id)).slice(0, k))
    );
  } finally {
    top.dispose();
  }
}

/** The share of `truth` among `found` (each capped at `k`). */
export function recallOf(found: readonly Neighbour[], truth: ReadonlySet<string>, k = RECALL_K): number {
  if (truth.size === 0) return 1;
  return found.slice(0, k).filter((h) => truth.has(h.id)).length / Math.min(k, truth.size);
}

/** Searches as an index does: the `k` best for a vector, leaving out `exclude`. */
export type Search = (
  vector: Float32Array,
  k: number,
  exclude: ReadonlySet<string>,
) => Neighbour[] | Promise<Neighbour[]>;

/** Catalogue images as recall queries (each left out of its own answers), with their exact neighbours. */
export interface RecallProbes {
  queries: { vector: Float32Array; exclude: ReadonlySet<string> }[];
  truth: Set<string>[];
}

/** The images `queryIds` of `source` as queries, and their exact top 10 over every vector of `source`. */
export async function recallProbes(source: SearchIndex, queryIds: readonly string[]): Promise<RecallProbes> {
  const queries = queryIds.filter((id) => source.has(id)).map((id) => ({
    vector: source.vector(id)!,
    exclude: new Set([id]),
  }));
  return { queries, truth: queries.length ? await exactNeighbours(source, queries) : [] };
}

/** `search`'s mean recall@10 over the probes (1 when there are none). */
export async function meanRecall(search: Search, probes: RecallProbes): Promise<number> {
  return (await recallSpread(search, probes)).recallAt10;
}

/**
 * `search`'s mean recall@10 over the probes and that mean's standard error (the spread of the
 * queries' own recalls over √queries; 0 with fewer than two): how far another sample of queries
 * might find it.
 */
export async function recallSpread(
  search: Search,
  probes: RecallProbes,
): Promise<{ recallAt10: number; standardError: number }> {
  const n = probes.queries.length;
  if (n === 0) return { recallAt10: 1, standardError: 0 };
  const each: number[] = [];
  for (const [i, q] of probes.queries.entries()) {
    each.push(recallOf(await search(q.vector, RECALL_K, q.exclude), probes.truth[i]));
  }
  const mean = each.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? each.reduce((a, r) => a + (r - mean) ** 2, 0) / (n - 1) : 0;
  return { recallAt10: mean, standardError: Math.sqrt(variance / n) };
}

/**
 * recall@10 of `search` for the catalogue images `queryIds` (each left out of its own answers),
 * against exact search over every vector of `source`.
 *
 * @example
 * ```ts
 * const r = await measureRecall(entry.index, (v, k, ex) => entry.index.search(v, k, ex), heldOut);
 * ```
 */
export async function measureRecall(source: SearchIndex, search: Search, queryIds: readonly string[]): Promise<number> {
  return await meanRecall(search, await recallProbes(source, queryIds));
}

/** A rolling window of live queries' recall. */
export class LiveRecall {
  readonly #window: number[] = [];
  readonly #size: number;

  constructor(size = 200) {
    this.#size = size;
  }

  record(recall: number): void {
    this.#window.push(recall);
    if (this.#window.length > this.#size) this.#window.shift();
  }

  /** The window's mean, or null before the first check. */
  report(): { recallAt10: number; queries: number } | null {
    if (this.#window.length === 0) return null;
    return { recallAt10: this.#window.reduce((a, b) => a + b, 0) / this.#window.length, queries: this.#window.length };
  }

  clear(): void {
    this.#window.length = 0;
  }
}
