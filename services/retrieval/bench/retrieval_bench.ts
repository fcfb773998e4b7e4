/**
 * `deno task retrieval:bench --n N`: the retrieval index at scale, on fc7-like synthetic vectors
 * (`synthetic_vectors.ts`) — the exact index's add rate and search latency, and for each compact
 * choice (reduction whitened or not, int8 or float16 scan, re-ranking on full or reduced vectors)
 * its build rate, search p50/p99, recall@10 against exact 4096-d cosine, snapshot size and
 * restore time, and resident memory. With Debian's python3-faiss it runs FAISS on the same
 * vectors in the same run (`faiss_peer.py`). Prints a table and writes JSON with `--json`.
 *
 * @module
 */
import { describeBackendChoice, parseBackendName, selectBackend } from "../../../shared/backend/mod.ts";
import { numberFlag, parseFlags, ProgressBar, runCli, UsageError } from "../../../shared/cli/mod.ts";
import {
  COMPACT_VARIANTS,
  CompactIndex,
  type CompactSettings,
  DEFAULT_COMPACT,
  defaultLists,
  describeCompact,
} from "../compact/compact_index.ts";
import { syntheticVectors } from "../compact/synthetic_vectors.ts";
import { ExactTop } from "../exact_top.ts";
import { type BenchRow, recallAt10, timeSearches } from "./search_timing.ts";
import { appendRows, faissImportable, runFaissPeer, writeTruth } from "./faiss_peer.ts";
import { measureRestart, type RestartTimes } from "./restart_bench.ts";
import { shardedBench } from "./sharded_bench.ts";
import { VectorIndex } from "../vector_index.ts";

const HELP = `Measure the retrieval index at scale: exact and compact, FAISS beside them.

Usage: deno task retrieval:bench [--n 100000] [--queries 200] [--dimension 4096] [--dims 256]
       [--lists 0 (≈4√n)] [--probes 0 (lists/8)] [--rerank 100] [--variants default,float16,reduced,whiten]
       [--exact-queries 20] [--no-exact] [--no-faiss] [--restart] [--shards S] [--python /usr/bin/python3]
       [--json FILE] [--backend wasm]

--restart also times the service's start-up from JetStream on a scratch nats-server: the first start (replay
every embedding, build the compact index, store its snapshot) and a restart (load the snapshot).

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
  lists: number,
  dims: number,
  rerank: number,
): Promise<BenchRow[]> {
  if (!await faissImportable(python)) return [];
  const dir = await Deno.makeTempDir({ prefix: "retrieval-bench-" });
  try {
    for (const [name, rows] of [["base.f32", base], ["queries.f32", queries]] as const) {
      const file = await Deno.open(`${dir}/${name}`, { write: true, create: true });
      await appendRows(file, rows).finally(() => file.close());
    }
    await writeTruth(dir, truth);
    console.error("FAISS: flat, PCA+IVF+SQ8 with refine, HNSW …");
    return await runFaissPeer(python, dir, { dim: base[0].length, lists, dims, rerank });
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
  variants: { type: "string", default: "default,float16,reduced,whiten" },
  "exact-queries": { type: "string", default: "20" },
  "no-exact": { type: "boolean" },
  "no-faiss": { type: "boolean" },
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
  exactQueries: number;
  exact: boolean;
  /** The Python with FAISS, or null (`--no-faiss`). */
  faissPython: string | null;
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
  const variants = v.variants.split(",").map((s) => s.trim());
  for (const name of variants) {
    if (!(name in COMPACT_VARIANTS)) {
      throw new UsageError(`unknown variant ${name}; choose from ${Object.keys(COMPACT_VARIANTS).join(", ")}`);
    }
  }
  if (dims >= dimension) throw new UsageError("--dims must be smaller than --dimension");
  const shards = int("shards", 1), queryCount = int("queries", 1), seed = int("seed", 0);
  if (shards > 1 && queryCount > 2048) throw new UsageError("--queries must be at most 2048 with --shards");
  const lists = int("lists", 0);
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
    exactQueries: int("exact-queries", 1),
    exact: !v["no-exact"],
    faissPython: v["no-faiss"] ? null : v.python,
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

/** The catalogue and queries, and every query's exact top 10. */
async function benchData(a: BenchArgs) {
  const bar = new ProgressBar("vectors", a.n + a.queryCount, { unit: "vectors" });
  const all = await syntheticVectors(
    a.n + a.queryCount,
    { dimension: a.dimension, seed: a.seed },
    (chunk) => bar.tick(chunk.length),
  );
  bar.done();
  const base = all.slice(0, a.n), queries = all.slice(a.n);
  console.error("exact top 10 of every query …");
  const exactTop = new ExactTop(queries, 10);
  for (let start = 0; start < a.n; start += 8192) await exactTop.offer(base.slice(start, start + 8192), start);
  const truth = queries.map((_, q) => exactTop.rows(q));
  exactTop.dispose();
  return { base, queries, truth, ids: base.map((_, i) => `v${i}`) };
}

type BenchData = Awaited<ReturnType<typeof benchData>>;

/** Exact search (VectorIndex) on the first `exactQueries` queries. */
async function exactRow(a: BenchArgs, d: BenchData): Promise<BenchRow> {
  const t = performance.now();
  const exact = new VectorIndex(a.dimension);
  d.ids.forEach((id, i) => exact.add(id, d.base[i]));
  const buildS = (performance.now() - t) / 1000;
  await exact.search(d.queries[0], 10); // uploads the matrix once, outside the timing
  const timed = await timeSearches(
    d.queries.slice(0, a.exactQueries),
    async (q) => (await exact.search(q, 10)).map((h) => h.id),
  );
  exact.dispose();
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
  return {
    index: `compact ${name}: ${describeCompact(index.settings)}`,
    n: a.n,
    buildS,
    addPerS: a.n / buildS,
    p50Ms: timed.p50Ms,
    p99Ms: timed.p99Ms,
    recallAt10: recallAt10(timed.found, d.truth),
    snapshotMiB: snapshot.byteLength / 2 ** 20,
    restoreS,
    rssMiB: rssMiB(),
  };
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
  const d = await benchData(a);
  const rows: BenchRow[] = [];
  if (a.exact) {
    rows.push(await exactRow(a, d));
    console.error(formatTable(rows.slice(-1)));
  }
  for (const name of a.variants) {
    rows.push(await compactRow(a, d, name));
    console.error(formatTable(rows.slice(-1)));
  }
  if (a.faissPython) {
    const { lists, dims, rerank } = a.settings;
    const peers = await faissPeer(a.faissPython, d.base, d.queries, d.truth, lists, dims, rerank);
    if (peers.length > 0) console.error(formatTable(peers));
    rows.push(...peers);
  }
  const restart = a.restart ? await measureRestart(d.ids, d.base, a.settings, (line) => console.error(line)) : null;
  console.log(formatTable(rows));
  if (restart) console.log(restartLine(restart));
  if (a.json) {
    const report = { n: a.n, dimension: a.dimension, queries: a.queryCount, rows, restart };
    await Deno.writeTextFile(a.json, JSON.stringify(report, null, 2));
  }
  return 0;
}

if (import.meta.main) await runCli(() => main(Deno.args));
