/**
 * The FAISS peer of `deno task retrieval:bench`, from Deno's side: the vector files it reads
 * (row-major float32 or float16, and the exact top 10 of each query as int32 row numbers) and
 * one run of `faiss_peer.py` under Debian's python3-faiss, whose JSON lines become table rows.
 *
 * @module
 */
import { flattenRows } from "../exact_top.ts";
import type { BenchRow } from "./search_timing.ts";

/** One FAISS index's figures, as the bench's table shows them. */
export type FaissRow = BenchRow & { recallAt10: number; peer: string };

/** What `faiss_peer.py` is asked to run. */
export interface FaissRun {
  dim: number;
  lists: number;
  dims: number;
  rerank: number;
  /** Which of flat, ivf, recipe, hnsw (default all). */
  indexes?: string[];
  /** HNSW on the first this many rows only (default all). */
  hnswN?: number;
  /** HNSW's efConstruction (default 40). */
  efConstruction?: number;
  /** The base is `base.f16` (float16) rather than `base.f32`. */
  float16?: boolean;
  /** Time the exhaustive index on this many queries only. */
  exactQueries?: number;
}

/** Whether `python` can import faiss; says how to get it when not. */
export async function faissImportable(python: string): Promise<boolean> {
  const probe = await new Deno.Command(python, { args: ["-c", "import faiss"], stderr: "null" }).output().catch(
    () => null,
  );
  if (!probe?.success) {
    console.error(`FAISS peer skipped: ${python} cannot import faiss (apt-get install -y python3-faiss)`);
  }
  return probe?.success ?? false;
}

/** Appends `rows` to `file`, 4096 rows per write, as float32 (or float16 with `half`). */
export async function appendRows(file: Deno.FsFile, rows: readonly Float32Array[], half = false): Promise<void> {
  for (let i = 0; i < rows.length; i += 4096) {
    const flat = flattenRows(rows.slice(i, i + 4096));
    const bytes = half ? new Float16Array(flat.length) : flat;
    if (half) bytes.set(flat); // `set` converts natively; `Float16Array.from` reads element by element, slowly
    await writeAll(file, new Uint8Array(bytes.buffer));
  }
}

/** Writes `truth` (one Int32Array of row numbers per query) as `truth.i32` in `dir`. */
export async function writeTruth(dir: string, truth: readonly Int32Array[]): Promise<void> {
  const out = new Int32Array(truth.length * truth[0].length);
  truth.forEach((r, i) => out.set(r, i * r.length));
  await Deno.writeFile(`${dir}/truth.i32`, new Uint8Array(out.buffer));
}

/** Runs `faiss_peer.py` on the files in `dir`. */
export async function runFaissPeer(python: string, dir: string, run: FaissRun): Promise<FaissRow[]> {
  const args = [
    new URL("./faiss_peer.py", import.meta.url).pathname,
    dir,
    ...["--dim", String(run.dim), "--lists", String(run.lists), "--dims", String(run.dims)],
    ...["--rerank", String(run.rerank), "--indexes", (run.indexes ?? ["flat", "ivf", "recipe", "hnsw"]).join(",")],
    ...(run.hnswN ? ["--hnsw-n", String(run.hnswN)] : []),
    ...(run.efConstruction ? ["--ef-construction", String(run.efConstruction)] : []),
    ...(run.float16 ? ["--float16"] : []),
    ...(run.exactQueries ? ["--exact-queries", String(run.exactQueries)] : []),
  ];
  const out = await new Deno.Command(python, { args, stderr: "inherit" }).output();
  if (!out.success) throw new Error("faiss_peer.py failed");
  return new TextDecoder().decode(out.stdout).trim().split("\n").map((line) => {
    const r = JSON.parse(line);
    const queries = r.queries ? `, ${r.queries} queries` : "";
    return { ...r, index: `FAISS ${r.index}${queries}`, rssMiB: r.maxRssMiB };
  });
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.length;) done += await file.write(bytes.subarray(done));
}
