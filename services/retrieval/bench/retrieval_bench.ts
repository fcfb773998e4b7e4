/**
 * `deno task retrieval:bench --n N`: the retrieval index at scale, on each of several catalogues
 * (`bench_catalogues.ts`: generated fc7-like distributions, and real embeddings of augmented
 * photos) — the exact index's add rate and search latency; the compact index as the service
 * builds it for a recall target (what it chose, the recall it reports from its held-out images
 * and the recall measured on fresh queries); each compact choice asked for (reduction whitened or
 * not, int8 or float16 scan, re-ranking on full or reduced vectors) with its build rate, search
 * p50/p99, recall@10 against exact 4096-d cosine, snapshot size and restore time, and resident
 * memory. With Debian's python3-faiss it runs FAISS on the same vectors in the same run
 * (`faiss_peer.py`: exact, IVF without reduction, HNSW, and FAISS's version of the compact
 * recipe). Prints a table per catalogue and writes JSON with `--json`.
 *
 * @module
 */
import { describeBackendChoice, parseBackendName, selectBackend } from "../../../shared/backend/mod.ts";
import { listFlag, numberFlag, parseFlags, ProgressBar, runCli, UsageError } from "../../../shared/cli/mod.ts";
import {
  COMPACT_VARIANTS,
  CompactIndex,
  type CompactSettings,
  DEFAULT_COMPACT,
  defaultLists,
  describeCompact,
} from "../compact/compact_index.ts";
import { ExactTop } from "../exact_top.ts";
import { buildForTarget, heldOutIds, type TriedSetting } from "../recall_target.ts";
import {
  type BenchCatalogue,
  benchCatalogue,
  GENERATED,
  parseDistributions,
  type PhotoSource,
} from "./bench_catalogues.ts";
import { type BenchRow, recallAt10, timeSearches } from "./search_timing.ts";
import { appendRows, faissImportable, runFaissPeer, writeTruth } from "./faiss_peer.ts";
import { measureRestart, type RestartTimes } from "./restart_bench.ts";
import { shardedBench } from "./sharded_bench.ts";
import { VectorIndex } from "../vector_index.ts";

const HELP = `Measure the retrieval index at scale: exact and compact, FAISS beside them.

Usage: deno task retrieval:bench [--n 100000] [--queries 200] [--distributions shared,clusters[,photos]]
       [--checkpoint DIR] [--photos ../shared/data/dogs-vs-cats-2k] [--photo-cache runs/retrieval-bench]
       [--target-recall 0.95] [--dimension 4096] [--dims 256] [--lists 0 (≈4√n)] [--probes 0 (lists/8)]
       [--rerank 100] [--variants default] [--exact-queries 20] [--no-exact] [--no-faiss]
       [--faiss-indexes flat,ivf,recipe,hnsw] [--faiss-hnsw-n 0 (all)] [--restart]
       [--shards S] [--python /usr/bin/python3] [--json FILE] [--backend wasm]

Catalogues (--distributions; photos is in the default list when --checkpoint is given):
${Object.entries(GENERATED).map(([name, g]) => `  ${name}: ${g.about}`).join("\n")}
  photos: fc7 of the --checkpoint on augmented views of the --photos folder (a random 224 crop of each 256-square
    photo, mirrored at random, shifted along the colour PCA), cycling through the photos; cached in --photo-cache.

Each catalogue's table has the compact index as the service builds it: fitted without 400 held-out images, tuned
for --target-recall (0: untuned) on half of them and checked on the other half, its build time including the tuning,
and both the recall it reports (the checking half) and the recall measured on the fresh queries.

--restart also times the service's start-up from JetStream on a scratch nats-server, on the first catalogue's
vectors: the first start (replay every embedding, build and tune the compact index, store its snapshot) and a restart
(load the snapshot).

--shards S splits the default compact index over S shards, each a worker thread answering over NATS on a scratch
nats-server; every query is a scatter-gather, timed to the merged answer. Vectors stay float16 until built, so 1M
fits in 24 GB. FAISS then searches the same vectors exhaustively as float16 (--exact-queries of them) and builds
HNSW on the first 5,000.

Variants: default = PCA to --dims, int8 scan, re-ranked on the full vectors (float16); float16 = float16 scan,
full re-rank; reduced = re-ranked on the reduced vectors only; whiten = whitened reduction, re-ranked on reduced.`;

const rssMiB = () => Deno.memoryUsage().rss / 2 ** 20;

async function faissPeer(
  python: string,
  base: Float32Array[],
  queries: Float32Array[],
  truth: Int32Array[],
  run: { lists: number; dims: number; rerank: number; indexes: string[]; hnswN: number },
): Promise<BenchRow[]> {
  if (!await faissImportable(python)) return [];
  const dir = await Deno.makeTempDir({ prefix: "retrieval-bench-" });
  try {
    for (const [name, rows] of [["base.f32", base], ["queries.f32", queries]] as const) {
      const file = await Deno.open(`${dir}/${name}`, { write: true, create: true });
      await appendRows(file, rows).finally(() => file.close());
    }
    await writeTruth(dir, truth);
    console.error(`FAISS: ${run.indexes.join(", ")} …`);
    return await runFaissPeer(python, dir, { dim: base[0].length, ...run });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function formatTable(rows: BenchRow[]): string {
  const head = [
    "index",
    "n",
    "build s",
    "adds/s",
    "p50 ms",
    "p99 ms",
    "recall@10",
    "snapshot MiB",
    "restore s",
    "RSS MiB",
  ];
  const cells = rows.map((r) => [
    r.index,
    String(r.n),
    r.buildS.toFixed(1),
    String(Math.round(r.addPerS)),
    r.p50Ms.toFixed(2),
    r.p99Ms.toFixed(2),
    r.recallAt10 === null ? "—" : r.recallAt10.toFixed(3),
    r.snapshotMiB === undefined ? "—" : r.snapshotMiB.toFixed(1),
    r.restoreS === undefined ? "—" : r.restoreS.toFixed(2),
    String(Math.round(r.rssMiB)),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => "| " + c.map((x, i) => x.padEnd(widths[i])).join(" | ") + " |";
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

const BENCH_OPTIONS = {
  n: { type: "string", default: "100000" },
  queries: { type: "string", default: "200" },
  dimension: { type: "string", default: "4096" },
  dims: { type: "string", default: "256" },
  lists: { type: "string", default: "0" },
  probes: { type: "string", default: "0" },
  rerank: { type: "string", default: "100" },
  variants: { type: "string", default: "default" },
  distributions: { type: "string" },
  checkpoint: { type: "string" },
  photos: { type: "string", default: "../shared/data/dogs-vs-cats-2k" },
  "photo-cache": { type: "string", default: "runs/retrieval-bench" },
  "target-recall": { type: "string", default: "0.95" },
  "exact-queries": { type: "string", default: "20" },
  "no-exact": { type: "boolean" },
  "no-faiss": { type: "boolean" },
  "faiss-indexes": { type: "string", default: "flat,ivf,recipe,hnsw" },
  "faiss-hnsw-n": { type: "string", default: "0" },
  restart: { type: "boolean" },
  shards: { type: "string", default: "1" },
  python: { type: "string", default: "/usr/bin/python3" },
  json: { type: "string" },
  backend: { type: "string", default: "wasm" },
  seed: { type: "string", default: "1" },
  help: { type: "boolean" },
} as const;

/** What the bench is told. */
interface BenchArgs {
  n: number;
  queryCount: number;
  dimension: number;
  /** The compact index's settings (lists resolved for `n`), before a variant's own. */
  settings: CompactSettings;
  variants: string[];
  distributions: string[];
  photos: PhotoSource;
  /** The service's recall target (0: untuned). */
  targetRecall: number;
  exactQueries: number;
  exact: boolean;
  /** The Python with FAISS, or null (`--no-faiss`). */
  faissPython: string | null;
  /** Which FAISS indexes (`faiss_peer.py`'s names). */
  faissIndexes: string[];
  /** FAISS's HNSW on the first this many vectors (0: all). */
  faissHnswN: number;
  restart: boolean;
  shards: number;
  json: string | undefined;
  backend: string;
  seed: number;
}

function parseBenchArgs(args: string[]): BenchArgs | "help" {
  const v = parseFlags({ args, options: BENCH_OPTIONS }).values;
  if (v.help) return "help";
  const int = (name: keyof typeof v, min: number) => numberFlag(name, String(v[name]), { min });
  const [n, dimension, dims] = [int("n", 100), int("dimension", 8), int("dims", 2)];
  const variants = listFlag("variant", v.variants, Object.keys(COMPACT_VARIANTS));
  if (dims >= dimension) throw new UsageError("--dims must be smaller than --dimension");
  const shards = int("shards", 1), queryCount = int("queries", 1), seed = int("seed", 0);
  if (shards > 1 && queryCount > 2048) throw new UsageError("--queries must be at most 2048 with --shards");
  const lists = int("lists", 0);
  const photos = { data: v.photos, checkpoint: v.checkpoint ?? null, cacheDir: v["photo-cache"] };
  const distributions = parseDistributions(
    v.distributions ?? (photos.checkpoint ? "shared,clusters,photos" : "shared,clusters"),
    photos,
  );
  return {
    n,
    queryCount,
    dimension,
    settings: {
      ...DEFAULT_COMPACT,
      dims,
      lists: shards > 1 ? lists : lists || defaultLists(n),
      probes: int("probes", 0),
      rerank: int("rerank", 10),
      seed,
    },
    variants,
    distributions,
    photos,
    targetRecall: numberFlag("target-recall", v["target-recall"], { min: 0, max: 1, integer: false }),
    exactQueries: int("exact-queries", 1),
    exact: !v["no-exact"],
    faissPython: v["no-faiss"] ? null : v.python,
    faissIndexes: listFlag("FAISS index", v["faiss-indexes"], ["flat", "ivf", "recipe", "hnsw"]),
    faissHnswN: int("faiss-hnsw-n", 0),
    restart: v.restart ?? false,
    shards,
    json: v.json,
    backend: v.backend,
    seed,
  };
}

/** Sharded: the catalogue split over `shards` worker processes, searched by scatter-gather over NATS. */
async function runSharded(a: BenchArgs): Promise<void> {
  const { result, peers } = await shardedBench({
    n: a.n,
    shards: a.shards,
    queryCount: a.queryCount,
    dimension: a.dimension,
    settings: a.settings,
    seed: a.seed,
    backend: a.backend,
    faissPython: a.faissPython,
    faissExactQueries: a.exactQueries,
    log: (line) => console.error(line),
  });
  console.log(formatTable([result, ...peers]));
  console.log(`${result.partial} of ${a.queryCount} answers partial (a shard did not answer within 5 s)`);
  if (a.json) {
    const report = { n: a.n, dimension: a.dimension, queries: a.queryCount, rows: [result, ...peers] };
    await Deno.writeTextFile(a.json, JSON.stringify(report, null, 2));
  }
}

/** The catalogue `name` and its queries, and every query's exact top 10. */
async function benchData(a: BenchArgs, name: string) {
  const bar = new ProgressBar(`${name} vectors`, a.n + a.queryCount, { unit: "vectors" });
  const onChunk = (chunk: Float32Array[]) => bar.tick(chunk.length);
  const catalogue: BenchCatalogue = await benchCatalogue(
    name,
    a.n,
    a.queryCount,
    { dimension: a.dimension, seed: a.seed, onChunk },
    a.photos,
  );
  bar.done();
  const { base, queries } = catalogue;
  console.error("exact top 10 of every query …");
  const exactTop = new ExactTop(queries, 10);
  for (let start = 0; start < base.length; start += 8192) await exactTop.offer(base.slice(start, start + 8192), start);
  const truth = queries.map((_, q) => exactTop.rows(q));
  exactTop.dispose();
  return { ...catalogue, truth, ids: base.map((_, i) => `v${i}`) };
}

type BenchData = Awaited<ReturnType<typeof benchData>>;

/** The catalogue in an exact index (the target's truth; the exact row's index), and how long adding took. */
function exactIndex(a: BenchArgs, d: BenchData): { exact: VectorIndex; buildS: number } {
  const t = performance.now();
  const exact = new VectorIndex(a.dimension);
  d.ids.forEach((id, i) => exact.add(id, d.base[i]));
  return { exact, buildS: (performance.now() - t) / 1000 };
}

/** Exact search (VectorIndex) on the first `exactQueries` queries. */
async function exactRow(a: BenchArgs, d: BenchData, exact: VectorIndex, buildS: number): Promise<BenchRow> {
  await exact.search(d.queries[0], 10); // uploads the matrix once, outside the timing
  const timed = await timeSearches(
    d.queries.slice(0, a.exactQueries),
    async (q) => (await exact.search(q, 10)).map((h) => h.id),
  );
  return {
    index: `exact (VectorIndex, ${a.exactQueries} queries)`,
    n: a.n,
    buildS,
    addPerS: a.n / buildS,
    p50Ms: timed.p50Ms,
    p99Ms: timed.p99Ms,
    recallAt10: recallAt10(timed.found, d.truth.slice(0, a.exactQueries)),
    rssMiB: rssMiB(),
  };
}

/** The compact index as the service builds it for the recall target: what it chose, reported and measured. */
export interface TargetResult {
  target: number;
  met: boolean;
  chosen: string;
  /** recall@10 the build measured on its checking half of held-out images (what the service reports). */
  reportedRecall: number | null;
  /** That figure's standard error. */
  reportedError: number | null;
  /** recall@10 on the fresh queries against exact search. */
  freshRecall: number;
  /** Every search setting the last tuning tried, with its recall on the choosing half. */
  tried: TriedSetting[];
}

/** Builds as the service does (`buildForTarget`), times the build and tuning, searches the fresh queries. */
async function targetRow(a: BenchArgs, d: BenchData, exact: VectorIndex): Promise<[BenchRow, TargetResult]> {
  const t = performance.now();
  const { index, tuning } = await buildForTarget(
    exact,
    heldOutIds(d.ids),
    a.settings,
    a.targetRecall || undefined,
    (line) => console.error(`${d.name}: ${line}`),
    d.name,
  );
  const buildS = (performance.now() - t) / 1000;
  try {
    const timed = await timeSearches(d.queries, (q) => index.search(q, 10).map((h) => h.id));
    const freshRecall = recallAt10(timed.found, d.truth);
    const { probes, rerank, dims } = index.settings;
    const chosen = `${dims} dims, ${probes} of ${index.listCount} lists probed, ${rerank} re-ranked`;
    const row: BenchRow = {
      index: `compact as served, target ${a.targetRecall}: ${chosen}`,
      n: a.n,
      buildS,
      addPerS: a.n / buildS,
      p50Ms: timed.p50Ms,
      p99Ms: timed.p99Ms,
      recallAt10: freshRecall,
      rssMiB: rssMiB(),
    };
    const [reportedRecall, reportedError] = [tuning?.checked.recallAt10 ?? null, tuning?.checked.standardError ?? null];
    const tried = tuning?.tried ?? [];
    const met = tuning?.met ?? false;
    return [row, { target: a.targetRecall, met, chosen, reportedRecall, reportedError, freshRecall, tried }];
  } finally {
    index.dispose();
  }
}

/** One compact variant: build, search every query, encode and restore its snapshot. */
async function compactRow(a: BenchArgs, d: BenchData, name: string): Promise<BenchRow> {
  const settings: CompactSettings = { ...a.settings, ...COMPACT_VARIANTS[name] };
  const t = performance.now();
  let last = "";
  const index = await CompactIndex.build(d.ids, d.base, settings, (stage, done, total) => {
    const line = `${name}: ${stage} ${done}/${total} (${((performance.now() - t) / 1000).toFixed(1)} s)`;
    if (stage !== last || done === total) console.error(line);
    last = stage;
  });
  const buildS = (performance.now() - t) / 1000;
  const timed = await timeSearches(d.queries, (q) => index.search(q, 10).map((h) => h.id));
  const encodeStart = performance.now();
  const snapshot = index.encode();
  const encodeS = (performance.now() - encodeStart) / 1000;
  const restoreStart = performance.now();
  const restored = CompactIndex.decode(snapshot);
  const restoreS = (performance.now() - restoreStart) / 1000;
  if (restored.size !== index.size) throw new Error("the restored snapshot lost entries");
  console.error(`${name}: snapshot encoded in ${encodeS.toFixed(2)} s`);
  const row: BenchRow = {
    index: `compact ${name}: ${describeCompact(index.settings)}`,
    n: a.n,
    buildS,
    addPerS: a.n / buildS,
    p50Ms: timed.p50Ms,
    p99Ms: timed.p99Ms,
    recallAt10: recallAt10(timed.found, d.truth),
    snapshotMiB: snapshot.byteLength / 2 ** 20,
    restoreS,
    rssMiB: rssMiB(), // with the index and its restored copy held
  };
  restored.dispose();
  index.dispose();
  return row;
}

function targetLine(t: TargetResult): string {
  const reported = t.reportedRecall === null
    ? "none"
    : `${t.reportedRecall.toFixed(3)} ± ${t.reportedError!.toFixed(3)}`;
  const gap = t.reportedRecall === null ? "" : ` (difference ${Math.abs(t.reportedRecall - t.freshRecall).toFixed(3)})`;
  return `recall target ${t.target} ${t.met ? "met" : "NOT met"} by ${t.chosen}: reported recall@10 ${reported} ` +
    `(held-out images that took no part in choosing), measured on fresh queries ${t.freshRecall.toFixed(3)}${gap}`;
}

/**
 * One catalogue's rows: exact, compact as served for the target, each variant asked for, FAISS;
 * with `restart`, then the service's start-up on the same vectors.
 */
async function benchCatalogueRows(a: BenchArgs, name: string, restart: boolean) {
  const d = await benchData(a, name);
  const rows: BenchRow[] = [];
  const show = (...more: BenchRow[]) => {
    rows.push(...more);
    if (more.length) console.error(formatTable(more));
  };
  let target: TargetResult | null = null;
  if (a.exact || a.targetRecall > 0) {
    const { exact, buildS } = exactIndex(a, d);
    try {
      if (a.exact) show(await exactRow(a, d, exact, buildS));
      if (a.targetRecall > 0) {
        const [row, result] = await targetRow(a, d, exact);
        show(row);
        target = result;
        console.error(targetLine(result));
      }
    } finally {
      exact.dispose();
    }
  }
  for (const variant of a.variants) show(await compactRow(a, d, variant));
  if (a.faissPython && a.faissIndexes.length) {
    const { lists, dims, rerank } = a.settings;
    show(
      ...await faissPeer(a.faissPython, d.base, d.queries, d.truth, {
        lists,
        dims,
        rerank,
        indexes: a.faissIndexes,
        hnswN: a.faissHnswN,
      }),
    );
  }
  const started = restart
    ? await measureRestart(d.ids, d.base, a.settings, a.targetRecall, (line) => console.error(line))
    : null;
  return { catalogue: { name, about: d.about, n: a.n, rows, target }, restart: started };
}

function restartLine(restart: RestartTimes): string {
  return `start-up from JetStream, ${restart.n} images (compact default): first start ${
    restart.coldStartS.toFixed(1)
  } s (replay every embedding + build), restart ${restart.restartS.toFixed(1)} s (catalogue ${
    restart.catalogueS.toFixed(1)
  } s + snapshot of ${restart.snapshotMiB.toFixed(0)} MiB); writing the stream took ${restart.writeS.toFixed(1)} s`;
}

async function main(args: string[]): Promise<number> {
  const a = parseBenchArgs(args);
  if (a === "help") {
    console.log(HELP);
    return 0;
  }
  console.error(describeBackendChoice(await selectBackend(parseBackendName(a.backend))));
  if (a.shards > 1) {
    await runSharded(a);
    return 0;
  }
  const catalogues = [];
  let restart: RestartTimes | null = null;
  for (const [i, name] of a.distributions.entries()) {
    const measured = await benchCatalogueRows(a, name, a.restart && i === 0);
    catalogues.push(measured.catalogue);
    restart ??= measured.restart;
  }
  for (const c of catalogues) {
    console.log(`\n${c.name} (${c.n} vectors, ${a.queryCount} fresh queries): ${c.about}`);
    console.log(formatTable(c.rows));
    if (c.target) console.log(targetLine(c.target));
  }
  if (restart) console.log(restartLine(restart));
  if (a.json) {
    const report = { n: a.n, dimension: a.dimension, queries: a.queryCount, catalogues, restart };
    await Deno.writeTextFile(a.json, JSON.stringify(report, null, 2));
  }
  return 0;
}

if (import.meta.main) await runCli(() => main(Deno.args));
