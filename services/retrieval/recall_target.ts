/**
 * Meeting a recall target at the lowest latency: a built compact index is searched, on the images
 * held out of its fit, with each of a ladder of search-time settings — cells probed ×1, ×2, ×4, ×8
 * and every cell; candidates re-ranked 100, 200, 400 — and keeps the fastest (measured ms per
 * query) whose recall@10 against exact search meets the target, else the one with the best recall
 * (the caller then rebuilds with more dimensions, or serves it and says so). The exact neighbours
 * are computed once for all settings.
 *
 * @module
 */
import { CompactIndex, type CompactSettings } from "./compact/compact_index.ts";
import { meanRecall, recallProbes, sampleIds } from "./recall_check.ts";
import type { SearchIndex } from "./vector_index.ts";

/** One setting tried. */
export interface TriedSetting {
  probes: number;
  rerank: number;
  recallAt10: number;
  msPerQuery: number;
}

/** What tuning chose, and why. */
export interface Tuning {
  chosen: TriedSetting;
  /** Whether the chosen setting meets the target. */
  met: boolean;
  target: number;
  tried: TriedSetting[];
}

/** The search-time settings to try, cheapest first. */
export function searchLadder(baseProbes: number, lists: number): { probes: number; rerank: number }[] {
  const probes = [...new Set([1, 2, 4, 8].map((f) => Math.min(lists, baseProbes * f)).concat(lists))];
  return probes.flatMap((p) => [100, 200, 400].map((rerank) => ({ probes: p, rerank })));
}

/**
 * Tunes `index`'s search settings for `target` on `queryIds` (images held out of its fit), with
 * exact search over `source`'s vectors as the truth; leaves `index` set to the choice.
 *
 * @example
 * ```ts
 * const tuning = await tuneForRecall(index, exactIndex, heldOut, 0.95);
 * ```
 */
export async function tuneForRecall(
  index: CompactIndex,
  source: SearchIndex,
  queryIds: readonly string[],
  target: number,
): Promise<Tuning> {
  const probes = await recallProbes(source, queryIds);
  const search = (v: Float32Array, k: number, ex: ReadonlySet<string>) => index.search(v, k, ex);
  const tried: TriedSetting[] = [];
  for (const setting of searchLadder(index.settings.probes, index.listCount)) {
    index.tuneSearch(setting);
    const started = performance.now();
    const recallAt10 = await meanRecall(search, probes);
    const msPerQuery = (performance.now() - started) / Math.max(1, probes.queries.length);
    tried.push({ ...setting, recallAt10, msPerQuery });
  }
  const meeting = tried.filter((t) => t.recallAt10 >= target).sort((a, b) => a.msPerQuery - b.msPerQuery);
  const best = [...tried].sort((a, b) => b.recallAt10 - a.recallAt10 || a.msPerQuery - b.msPerQuery)[0];
  const chosen = meeting[0] ?? best;
  index.tuneSearch({ probes: chosen.probes, rerank: chosen.rerank });
  return { chosen, met: meeting.length > 0, target, tried };
}

/** One line for the log: what was chosen and why. */
export function describeTuning(t: Tuning, lists: number): string {
  const { chosen } = t;
  const setting = `${chosen.probes} of ${lists} cells probed, ${chosen.rerank} re-ranked`;
  return t.met
    ? `recall target ${t.target}: ${setting} — the fastest of ${t.tried.length} settings meeting it ` +
      `(recall@10 ${chosen.recallAt10.toFixed(3)}, ${chosen.msPerQuery.toFixed(2)} ms/query)`
    : `recall target ${t.target} NOT met by any of ${t.tried.length} search settings: best ${setting} ` +
      `(recall@10 ${chosen.recallAt10.toFixed(3)}, ${chosen.msPerQuery.toFixed(2)} ms/query)`;
}

/** The catalogue images a build holds out of its fit to measure recall on: 50 (a tenth of a small catalogue), seeded. */
export function heldOutIds(ids: readonly string[]): string[] {
  return sampleIds(ids, Math.min(50, Math.floor(ids.length / 10)));
}

/** The most dimensions a rebuild for recall may keep. */
const MAX_DIMS = 512;

/**
 * A compact index of every vector of `source`, fitted on all but `heldOut` (its recall probes)
 * and, with a `target`, tuned to meet it — with one rebuild at twice the dimensions (at most 512)
 * when no search setting does, kept if it does better. `tuning` is null without a target or when
 * recall could not be measured. Says what it built and chose in `log`.
 *
 * @example
 * ```ts
 * const { index, tuning } = await buildForTarget(exact, heldOut, DEFAULT_COMPACT, 0.95, console.log, "v1");
 * ```
 */
export async function buildForTarget(
  source: SearchIndex,
  heldOut: string[],
  settings: CompactSettings,
  target: number | undefined,
  log: (line: string) => void,
  what: string,
): Promise<{ index: CompactIndex; tuning: Tuning | null }> {
  const ids = source.ids();
  const vectors = ids.map((id) => source.vector(id)!);
  const fit = async (s: CompactSettings) => {
    const started = performance.now();
    const index = await CompactIndex.build(ids, vectors, s, undefined, new Set(heldOut));
    log(
      `compact index of ${what}: ${ids.length} images, ${index.settings.dims} dimensions, ${index.settings.lists} ` +
        `lists, built in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    return index;
  };
  const tune = async (index: CompactIndex) => {
    try {
      const tuning = await tuneForRecall(index, source, heldOut, target!);
      log(describeTuning(tuning, index.listCount));
      return tuning;
    } catch (error) {
      log(`recall target not applied: ${(error as Error).message}`);
      return null;
    }
  };
  let index = await fit(settings);
  if (!target || heldOut.length === 0) return { index, tuning: null };
  let tuning = await tune(index);
  const dims = Math.min(MAX_DIMS, 2 * index.settings.dims, vectors[0].length);
  if (tuning && !tuning.met && dims > index.settings.dims) {
    log(`rebuilding ${what} with ${dims} dimensions for the recall target`);
    const wider = await fit({ ...settings, dims });
    const again = await tune(wider);
    if (again && again.chosen.recallAt10 > tuning.chosen.recallAt10) {
      index.dispose();
      [index, tuning] = [wider, again];
    } else wider.dispose();
  }
  if (tuning && !tuning.met) log(`serving the best ${what} found: the recall target is not met`);
  return { index, tuning };
}
