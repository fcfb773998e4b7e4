/**
 * `deno task retrieval:eval --data DIR --checkpoint REF`: on a labelled folder, how often
 * nearest neighbours share a label, for fc7, fc6, pool5 and raw pixels (the paper's §6.1
 * comparison). Prints a table and writes JSON.
 *
 * @module
 */
import { busIdentityFlags, busIdentityFrom, busIdentityHelp, downloadCheckpoint } from "../../shared/bus/mod.ts";
import { type BackendName, describeBackendChoice, parseBackendName, selectBackend } from "../../shared/backend/mod.ts";
import { numberFlag, parseFlags, ProgressBar, runCli, UsageError } from "../../shared/cli/mod.ts";
import { limitPerClass, loadImages, resizeImage, type RgbImage, scanImageFolder } from "../../shared/image/mod.ts";
import type { EmbeddingLayer } from "../../shared/model/mod.ts";
import { evaluationCrops, openPredictor, type Predictor } from "../../shared/predictor/mod.ts";
import { HnswIndex } from "./hnsw_index.ts";
import { type RetrievalScores, scoreRetrieval } from "./label_precision.ts";
import {
  COMPACT_VARIANTS,
  CompactIndex,
  type CompactSettings,
  DEFAULT_COMPACT,
  describeCompact,
} from "./compact/compact_index.ts";
import { l2Normalize, VectorIndex } from "./vector_index.ts";

const HELP = `Score content-based retrieval on a labelled folder: fc7, fc6, pool5 and raw pixels.

Usage: deno task retrieval:eval --data DIR --checkpoint DIR|NAME[@VERSION] [--nats URL]
       [--limit N per class] [--out FILE.json] [--batch-size 32] [--backend auto] [--compact-probes 8,16]

The compact index's variants (see the README's "Retrieval at scale") are scored on fc7 too: precision@10 by
label and recall@10 against exact search; --compact-probes also runs the default at those probe counts.
NATS identity, with --nats:
${busIdentityHelp()}`;

const LAYERS: EmbeddingLayer[] = ["fc7", "fc6", "pool5"];
/** Raw-pixel baseline: the centre crop shrunk to 32×32 RGB (3072-d). */
const RAW_SIDE = 32;

interface EvalArgs {
  data: string;
  checkpoint: string;
  nats: string | undefined;
  identity: ReturnType<typeof busIdentityFrom>;
  limit: number | null;
  out: string;
  batchSize: number;
  extraProbes: number[];
  backend: BackendName;
}

function parseEvalArgs(args: string[]): EvalArgs | "help" {
  const v = parseFlags({
    args,
    options: {
      data: { type: "string" },
      checkpoint: { type: "string" },
      nats: { type: "string" },
      ...busIdentityFlags(),
      limit: { type: "string" },
      out: { type: "string" },
      "batch-size": { type: "string", default: "32" },
      "compact-probes": { type: "string", default: "" },
      backend: { type: "string", default: "auto" },
      help: { type: "boolean" },
    },
  }).values;
  if (v.help) return "help";
  if (!v.data || !v.checkpoint) throw new UsageError("--data DIR and --checkpoint REF are required (see --help)");
  const extraProbes = v["compact-probes"].split(",").filter((x) => x.trim() !== "").map(Number);
  if (!extraProbes.every((p) => Number.isInteger(p) && p > 0)) {
    throw new UsageError("--compact-probes must list positive integers, e.g. 8,16");
  }
  return {
    data: v.data,
    checkpoint: v.checkpoint,
    nats: v.nats,
    identity: busIdentityFrom(v),
    limit: v.limit === undefined ? null : numberFlag("limit", v.limit, { min: 1 }),
    out: v.out ?? "retrieval-eval.json",
    batchSize: numberFlag("batch-size", v["batch-size"], { min: 1 }),
    extraProbes,
    backend: parseBackendName(v.backend),
  };
}

/** Every image's fc7, fc6 and pool5 embeddings and its raw-pixel baseline. */
async function embedAll(predictor: Predictor, images: RgbImage[], batchSize: number) {
  const vectors: Record<string, Float32Array[]> = { fc7: [], fc6: [], pool5: [], "raw pixels": [] };
  const bar = new ProgressBar("embed", images.length, { unit: "images" });
  for (let start = 0; start < images.length; start += batchSize) {
    const part = images.slice(start, start + batchSize);
    const embedded = await predictor.embedLayers(part, LAYERS);
    for (const layer of LAYERS) vectors[layer].push(...embedded[layer]!);
    for (const image of part) {
      const [crop] = evaluationCrops(image, predictor.manifest); // what the network saw
      vectors["raw pixels"].push(Float32Array.from(resizeImage(crop, RAW_SIDE, RAW_SIDE).data));
    }
    bar.tick(part.length);
  }
  return { vectors, seconds: bar.done() };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(7);

/** Leave-one-out label precision of each feature, printed as a table. */
async function scoreFeatures(vectors: Record<string, Float32Array[]>, labels: number[], classNames: string[]) {
  const results: Record<string, RetrievalScores> = {};
  for (const [name, list] of Object.entries(vectors)) results[name] = await scoreRetrieval(list, labels);
  console.log([
    `${labels.length} images, ${classNames.length} classes (${classNames.join(", ")}); ` +
    `every image queries all the others; cosine similarity`,
    `feature       dims     P@1     P@5    P@10     mAP`,
    ...Object.entries(results).map(([name, r]) =>
      `${name.padEnd(12)} ${String(vectors[name][0].length).padStart(5)} ${pct(r.precisionAt1)} ` +
      `${pct(r.precisionAt5)} ${pct(r.precisionAt10)} ${pct(r.meanAveragePrecision)}`
    ),
  ].join("\n"));
  return results;
}

/** Approximate search (HNSW) against exact search on the same fc7 queries. */
async function compareHnsw(fc7: Float32Array[]) {
  const ids = fc7.map((_, i) => String(i));
  const exact = new VectorIndex(fc7[0].length);
  const ann = await HnswIndex.create(fc7[0].length, undefined, ids.length);
  const buildStarted = performance.now();
  ids.forEach((id, i) => ann.add(id, fc7[i]));
  const annBuildSeconds = (performance.now() - buildStarted) / 1000;
  ids.forEach((id, i) => exact.add(id, fc7[i]));
  let found = 0, exactMs = 0, annMs = 0;
  for (const [i, id] of ids.entries()) {
    const exclude = new Set([id]);
    let t = performance.now();
    const truth = new Set((await exact.search(fc7[i], 10, exclude)).map((h) => h.id));
    exactMs += performance.now() - t;
    t = performance.now();
    found += ann.search(fc7[i], 10, exclude).filter((h) => truth.has(h.id)).length;
    annMs += performance.now() - t;
  }
  exact.dispose();
  const approximate = {
    library: "hnswlib-wasm 0.8.2 (HNSW, M 16, efConstruction 200, efSearch 64)",
    recallAt10: found / (ids.length * Math.min(10, ids.length - 1)),
    exactQueryMs: exactMs / ids.length,
    approximateQueryMs: annMs / ids.length,
    approximateBuildSeconds: annBuildSeconds,
  };
  console.log(
    `fc7 search over ${ids.length} images: exact ${approximate.exactQueryMs.toFixed(2)} ms/query; HNSW ` +
      `${approximate.approximateQueryMs.toFixed(2)} ms/query, recall@10 ${pct(approximate.recallAt10).trim()} ` +
      `(built in ${annBuildSeconds.toFixed(1)} s)`,
  );
  return approximate;
}

interface CompactScore {
  settings: string;
  precisionAt10: number;
  recallAt10: number;
  queryMs: number;
}

/** One compact variant's label precision@10, recall@10 against exact search, and query time. */
async function scoreCompact(
  fc7: Float32Array[],
  labels: number[],
  truths: Set<string>[],
  settings: CompactSettings,
): Promise<CompactScore> {
  const ids = fc7.map((_, i) => String(i));
  const index = await CompactIndex.build(ids, fc7.map(l2Normalize), settings);
  let same = 0, hits = 0, ms = 0;
  for (const [i, id] of ids.entries()) {
    const t = performance.now();
    const found = index.search(fc7[i], 10, new Set([id]));
    ms += performance.now() - t;
    same += found.filter((h) => labels[Number(h.id)] === labels[i]).length;
    hits += found.filter((h) => truths[i].has(h.id)).length;
  }
  return {
    settings: describeCompact(index.settings),
    precisionAt10: same / (10 * ids.length),
    recallAt10: hits / (10 * ids.length),
    queryMs: ms / ids.length,
  };
}

/** The compact index's variants on the same fc7 vectors (every one at the default probes, the default also at `extraProbes`). */
async function compareCompact(fc7: Float32Array[], labels: number[], extraProbes: number[]) {
  const compact: Record<string, CompactScore> = {};
  // 256 dimensions as the service keeps, fewer on a small folder (a PCA needs more rows than dimensions).
  const dims = Math.min(256, Math.floor(fc7.length / 4));
  if (dims < 2) return compact;
  const exact = new VectorIndex(fc7[0].length);
  fc7.forEach((vector, i) => exact.add(String(i), vector));
  const truths = await Promise.all(
    fc7.map(async (vector, i) => new Set((await exact.search(vector, 10, new Set([String(i)]))).map((h) => h.id))),
  );
  exact.dispose();
  const runs: [string, Partial<CompactSettings>][] = [
    ...Object.entries(COMPACT_VARIANTS),
    ...extraProbes.map((probes): [string, Partial<CompactSettings>] => [`default, ${probes} probes`, { probes }]),
  ];
  for (const [name, variant] of runs) {
    const score = await scoreCompact(fc7, labels, truths, { ...DEFAULT_COMPACT, dims, ...variant });
    compact[name] = score;
    console.log(
      `fc7 compact ${name.padEnd(18)} P@10 ${pct(score.precisionAt10)}, recall@10 against exact ${
        pct(score.recallAt10)
      }, ${score.queryMs.toFixed(2)} ms/query (${score.settings})`,
    );
  }
  return compact;
}

async function main(args: string[]): Promise<number> {
  const a = parseEvalArgs(args);
  if (a === "help") {
    console.log(HELP);
    return 0;
  }
  console.error(describeBackendChoice(await selectBackend(a.backend)));
  const predictor = await openPredictor(a.checkpoint, {
    fetchNamed: a.nats
      ? (ref) => downloadCheckpoint(a.nats!, ref, { client: "retrieval-eval", identity: a.identity })
      : null,
  });
  const { manifest } = predictor;
  const folder = await scanImageFolder(a.data);
  const files = a.limit === null ? folder.files : limitPerClass(folder.files, a.limit);
  const loaded = await loadImages(files, manifest.resizeSize);
  const { vectors, seconds } = await embedAll(predictor, loaded.images, a.batchSize);
  predictor.dispose();
  const report = {
    schema: "alexnet.retrieval.eval/v1",
    data: a.data,
    model: { name: manifest.name, version: manifest.version, arch: manifest.arch, inputSize: manifest.inputSize },
    images: loaded.images.length,
    skipped: loaded.skipped.length,
    classNames: folder.classNames,
    embedImagesPerSec: loaded.images.length / seconds,
    results: await scoreFeatures(vectors, loaded.labels, folder.classNames),
    approximate: await compareHnsw(vectors.fc7),
    compact: await compareCompact(vectors.fc7, loaded.labels, a.extraProbes),
  };
  await Deno.writeTextFile(a.out, JSON.stringify(report, null, 2) + "\n");
  console.error(`wrote ${a.out}`);
  return 0;
}

if (import.meta.main) await runCli(() => main(Deno.args));
