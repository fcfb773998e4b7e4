/**
 * `deno task retrieval:bench --shards S`: the compact index split the way `--shard I/N` splits
 * it and searched the way the service searches shards, at sizes whose full vectors do not fit
 * in memory as float32 (1M × 4096 = 16 GB). Vectors are generated in chunks; each chunk updates
 * the exact top 10 of every query (a matrix product on the backend) and each row goes to its
 * shard — a Web Worker of its own (`shard_bench_worker.ts`), which keeps it as float16. The
 * shards build their indexes one after another (two builds at once would not fit in 24 GB),
 * then all answer on a scratch nats-server at once, and every query is a
 * {@linkcode scatterSearch} from this thread, timed from the request to the merged answer.
 * With a FAISS peer, the vectors also go to a float16 file as they are generated, and once the
 * shards are gone `faiss_peer.py` searches them exhaustively (and builds HNSW on the first 5,000).
 *
 * @module
 */
import { type NatsServerProcess, withScratchNatsServer } from "../../../shared/nats_server/mod.ts";
import { connectBus, type NatsConnection } from "../../../shared/bus/mod.ts";
import { ProgressBar } from "../../../shared/cli/mod.ts";
import { type CompactSettings, defaultLists } from "../compact/compact_index.ts";
import { syntheticVectors } from "../compact/synthetic_vectors.ts";
import { scatterSearch } from "../shard_search.ts";
import { shardOf } from "../shards.ts";
import { ExactTop } from "../exact_top.ts";
import { appendRows, faissImportable, type FaissRow, runFaissPeer, writeTruth } from "./faiss_peer.ts";
import { type BenchRow, recallAt10, timeSearches } from "./search_timing.ts";
import type { ShardWorkerReply, ShardWorkerRequest } from "./shard_bench_worker.ts";

/** What the sharded run reports. */
export interface ShardedResult extends BenchRow {
  shards: number;
  recallAt10: number;
  /** Queries that some shard did not answer in time. */
  partial: number;
}

/** One shard's worker, asked one thing at a time. */
class ShardWorker {
  readonly #worker = new Worker(new URL("./shard_bench_worker.ts", import.meta.url).href, { type: "module" });
  readonly #waiting: ((reply: ShardWorkerReply) => void)[] = [];
  /** The worker's first message says it has loaded (earlier requests would be lost). */
  readonly #loaded = new Promise<ShardWorkerReply>((resolve) => this.#waiting.push(resolve));

  constructor() {
    this.#worker.onmessage = (event: MessageEvent<ShardWorkerReply>) => this.#waiting.shift()?.(event.data);
    this.#worker.onerror = (event) => {
      event.preventDefault();
      for (const answer of this.#waiting.splice(0)) answer({ type: "error", message: event.message });
    };
  }

  async ask(request: ShardWorkerRequest, transfer: Transferable[] = []): Promise<ShardWorkerReply> {
    const loaded = await this.#loaded;
    if (loaded.type === "error") throw new Error(`shard worker: ${loaded.message}`);
    const reply = new Promise<ShardWorkerReply>((resolve) => this.#waiting.push(resolve));
    this.#worker.postMessage(request, transfer);
    const answer = await reply;
    if (answer.type === "error") throw new Error(`shard worker: ${answer.message}`);
    return answer;
  }

  terminate(): void {
    this.#worker.terminate();
  }
}

/** How the sharded run is done. */
export interface ShardedRun {
  n: number;
  shards: number;
  queryCount: number;
  dimension: number;
  settings: CompactSettings;
  seed: number;
  backend: string;
  /** The python that runs the FAISS peer, or null for none. */
  faissPython: string | null;
  /** Queries timed on FAISS's exhaustive index (each reads every vector). */
  faissExactQueries: number;
  log: (line: string) => void;
}

/** Runs the sharded measurement on `n` generated vectors and `queryCount` queries, then the FAISS peer. */
export async function shardedBench(run: ShardedRun): Promise<{ result: ShardedResult; peers: FaissRow[] }> {
  const faissDir = run.faissPython && await faissImportable(run.faissPython)
    ? await Deno.makeTempDir({ prefix: "retrieval-bench-" })
    : null;
  try {
    const baseFile = faissDir ? await Deno.open(`${faissDir}/base.f16`, { write: true, create: true }) : null;
    const { result, queries, truth } = await withScratchNatsServer((nats) => searchShards(run, nats, baseFile))
      .finally(() => baseFile?.close());
    if (!faissDir) return { result, peers: [] };
    const file = await Deno.open(`${faissDir}/queries.f32`, { write: true, create: true });
    await appendRows(file, queries).finally(() => file.close());
    await writeTruth(faissDir, truth);
    run.log(`FAISS: exhaustive on float16 (${run.faissExactQueries} queries), HNSW on the first 5,000 …`);
    const peers = await runFaissPeer(run.faissPython!, faissDir, {
      dim: run.dimension,
      lists: 0,
      dims: run.settings.dims,
      rerank: run.settings.rerank,
      indexes: ["flat", "hnsw"],
      hnswN: 5000,
      efConstruction: 200,
      float16: true,
      exactQueries: run.faissExactQueries,
    });
    return { result, peers };
  } finally {
    if (faissDir) await Deno.remove(faissDir, { recursive: true });
  }
}

/** Generates the catalogue and queries, sends each shard its rows, and keeps every query's exact top 10. */
async function distribute(
  run: ShardedRun,
  workers: ShardWorker[],
  baseFile: Deno.FsFile | null,
): Promise<{ queries: Float32Array[]; exact: ExactTop; counts: number[] }> {
  const { n, shards, queryCount, dimension, seed } = run;
  const queries: Float32Array[] = [];
  let exact: ExactTop | null = null;
  const counts = new Array<number>(shards).fill(0);
  const bar = new ProgressBar("vectors", n + queryCount, { unit: "vectors" });
  const sent: Promise<unknown>[] = [];
  await syntheticVectors(n + queryCount, { dimension, seed }, async (chunk, done) => {
    const start = done - chunk.length;
    const base: Float32Array[] = [];
    const parts = Array.from({ length: shards }, () => ({ ids: [] as string[], rows: [] as Float32Array[] }));
    chunk.forEach((row, i) => {
      const global = start + i;
      if (global < queryCount) return void queries.push(row);
      const id = `v${global - queryCount}`, part = parts[shardOf(id, shards)];
      part.ids.push(id);
      part.rows.push(row);
      base.push(row);
    });
    exact ??= new ExactTop(queries, 10); // the queries are the first rows of the first chunk
    await exact.offer(base, done - base.length - queryCount);
    if (baseFile) await appendRows(baseFile, base, true);
    parts.forEach((part, s) => {
      if (part.ids.length === 0) return;
      const data = new Float32Array(part.rows.length * dimension);
      part.rows.forEach((row, i) => data.set(row, i * dimension));
      counts[s] += part.ids.length;
      sent.push(workers[s].ask({ type: "rows", ids: part.ids, data, dimension }, [data.buffer]));
    });
    bar.tick(chunk.length);
  }, false);
  await Promise.all(sent);
  bar.done();
  return { queries, exact: exact!, counts };
}

/** Each shard builds its compact index; returns the time it took and shard 0's description. */
async function buildShards(run: ShardedRun, workers: ShardWorker[], counts: number[]) {
  let description = "";
  const started = performance.now();
  for (const [s, worker] of workers.entries()) {
    const lists = run.settings.lists || defaultLists(counts[s]);
    run.log(`shard ${s}/${run.shards}: building the index of ${counts[s]} vectors …`);
    const built = await worker.ask({ type: "build", settings: { ...run.settings, lists } });
    if (built.type !== "built") throw new Error("a shard worker did not build");
    run.log(`shard ${s}/${run.shards}: ${built.size} vectors in ${built.seconds.toFixed(1)} s (${built.description})`);
    description ||= built.description;
  }
  return { buildS: (performance.now() - started) / 1000, description };
}

/** Times every query scattered to all shards and gathered; counts the partial answers. */
async function timeScatter(nc: NatsConnection, queries: Float32Array[], shards: number, version: string) {
  const ask = (vector: Float32Array) => scatterSearch(nc, { vector, k: 10, exclude: [], version }, shards, 5000);
  for (const q of queries.slice(0, 5)) await ask(q); // connections and code paths warm, outside the timing
  let partial = 0;
  const searching = new ProgressBar("queries", queries.length, { unit: "queries" });
  const timed = await timeSearches(queries, async (q) => {
    const answer = await ask(q);
    if (answer.answered < shards) partial++;
    searching.tick();
    return answer.hits.map((h) => h.id);
  });
  searching.done();
  return { ...timed, partial };
}

async function searchShards(
  run: ShardedRun,
  nats: NatsServerProcess,
  baseFile: Deno.FsFile | null,
): Promise<{ result: ShardedResult; queries: Float32Array[]; truth: Int32Array[] }> {
  const { n, shards, backend } = run;
  const workers = Array.from({ length: shards }, () => new ShardWorker());
  let nc: NatsConnection | null = null;
  try {
    for (const worker of workers) await worker.ask({ type: "init", backend });
    const { queries, exact, counts } = await distribute(run, workers, baseFile);
    const { buildS, description } = await buildShards(run, workers, counts);
    const version = "bench";
    await Promise.all(workers.map((w, s) => w.ask({ type: "serve", url: nats.url, shard: `${s}/${shards}`, version })));
    nc = await connectBus(nats.url, "retrieval-bench");
    const timed = await timeScatter(nc, queries, shards, version);
    const rssMiB = Deno.memoryUsage().rss / 2 ** 20;
    const truthRows = queries.map((_, i) => exact.rows(i));
    exact.dispose();
    const result: ShardedResult = {
      index: `compact, ${shards} shards (one worker thread each) answering over NATS, scatter-gather: ${description}` +
        ` (shard 0)`,
      n,
      shards,
      buildS,
      addPerS: n / buildS,
      p50Ms: timed.p50Ms,
      p99Ms: timed.p99Ms,
      recallAt10: recallAt10(timed.found, truthRows),
      rssMiB,
      partial: timed.partial,
    };
    return { result, queries, truth: truthRows };
  } finally {
    await nc?.close();
    for (const worker of workers) worker.terminate();
  }
}
