/**
 * `deno task retrieval:eval --data DIR --checkpoint REF`: on a labelled folder, how often
 * nearest neighbours share a label, for fc7, fc6, pool5 and raw pixels (the paper's §6.1
 * comparison). Prints a table and writes JSON.
 *
 * @module
 */
import { busIdentityFlags, busIdentityFrom, busIdentityHelp, downloadCheckpoint } from "../../shared/bus/mod.ts";
import { describeBackendChoice, parseBackendName, selectBackend } from "../../shared/backend/mod.ts";
import { parseFlags, ProgressBar, runCli, UsageError } from "../../shared/cli/mod.ts";
import { limitPerClass, loadImages, resizeImage, scanImageFolder } from "../../shared/image/mod.ts";
import type { EmbeddingLayer } from "../../shared/model/mod.ts";
import { evaluationCrops, openPredictor } from "../../shared/predictor/mod.ts";
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

async function main(args: string[]): Promise<number> {
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
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  if (!v.data || !v.checkpoint) throw new UsageError("--data DIR and --checkpoint REF are required (see --help)");
  const batchSize = Number(v["batch-size"]);
  const limit = v.limit === undefined ? null : Number(v.limit);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError("--batch-size must be a positive integer");
  if (limit !== null && (!Number.isInteger(limit) || limit < 1)) {
    throw new UsageError("--limit must be a positive integer");
  }
  const extraProbes = v["compact-probes"]!.split(",").filter((x) => x.trim() !== "").map(Number);
  if (!extraProbes.every((p) => Number.isInteger(p) && p > 0)) {
    throw new UsageError("--compact-probes must list positive integers, e.g. 8,16");
  }
  const backend = parseBackendName(v.backend);
  console.error(describeBackendChoice(await selectBackend(backend)));

  const predictor = await openPredictor(v.checkpoint, {
    fetchNamed: v.nats
      ? (ref) => downloadCheckpoint(v.nats!, ref, { client: "retrieval-eval", identity: busIdentityFrom(v) })
      : null,
  });
  const { manifest } = predictor;
  const folder = await scanImageFolder(v.data);
  const files = limit === null ? folder.files : limitPerClass(folder.files, limit);
  const loaded = await loadImages(files, manifest.resizeSize);

  const vectors: Record<string, Float32Array[]> = { fc7: [], fc6: [], pool5: [], "raw pixels": [] };
  const bar = new ProgressBar("embed", loaded.images.length, { unit: "images" });
  for (let start = 0; start < loaded.images.length; start += batchSize) {
    const part = loaded.images.slice(start, start + batchSize);
    const embedded = await predictor.embedLayers(part, LAYERS);
    for (const layer of LAYERS) vectors[layer].push(...embedded[layer]!);
    for (const image of part) {
      const [crop] = evaluationCrops(image, manifest); // what the network saw
      vectors["raw pixels"].push(Float32Array.from(resizeImage(crop, RAW_SIDE, RAW_SIDE).data));
    }
    bar.tick(part.length);
  }
  const embedSeconds = bar.done();
  predictor.dispose();

  const results: Record<string, RetrievalScores> = {};
  for (const [name, list] of Object.entries(vectors)) results[name] = await scoreRetrieval(list, loaded.labels);
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(7);
  const lines = [
    `${loaded.images.length} images, ${folder.classNames.length} classes (${folder.classNames.join(", ")}); ` +
    `every image queries all the others; cosine similarity`,
    `feature       dims     P@1     P@5    P@10     mAP`,
    ...Object.entries(results).map(([name, r]) =>
      `${name.padEnd(12)} ${String(vectors[name][0].length).padStart(5)} ${pct(r.precisionAt1)} ${
        pct(r.precisionAt5)
      } ` +
      `${pct(r.precisionAt10)} ${pct(r.meanAveragePrecision)}`
    ),
  ];
  console.log(lines.join("\n"));

  // Approximate search (HNSW) against exact search on the same fc7 queries.
  const ids = vectors.fc7.map((_, i) => String(i));
  const exact = new VectorIndex(vectors.fc7[0].length);
  const ann = await HnswIndex.create(vectors.fc7[0].length, undefined, ids.length);
  const buildStarted = performance.now();
  ids.forEach((id, i) => ann.add(id, vectors.fc7[i]));
  const annBuildSeconds = (performance.now() - buildStarted) / 1000;
  ids.forEach((id, i) => exact.add(id, vectors.fc7[i]));
  let found = 0, exactMs = 0, annMs = 0;
  for (const [i, id] of ids.entries()) {
    const exclude = new Set([id]);
    let t = performance.now();
    const truth = new Set((await exact.search(vectors.fc7[i], 10, exclude)).map((h) => h.id));
    exactMs += performance.now() - t;
    t = performance.now();
    found += ann.search(vectors.fc7[i], 10, exclude).filter((h) => truth.has(h.id)).length;
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
      `${approximate.approximateQueryMs.toFixed(2)} ms/query, recall@10 ${
        (approximate.recallAt10 * 100).toFixed(1)
      }% ` +
      `(built in ${annBuildSeconds.toFixed(1)} s)`,
  );
  // The compact index's choices on the same fc7 vectors: precision@10 by label, recall@10 against exact.
  const compact: Record<string, { settings: string; precisionAt10: number; recallAt10: number; queryMs: number }> = {};
  // 256 dimensions as the service keeps, fewer on a small folder (a PCA needs more rows than dimensions).
  const compactDims = Math.min(256, Math.floor(ids.length / 4));
  if (compactDims >= 2) {
    const exactTop = new VectorIndex(vectors.fc7[0].length);
    ids.forEach((id, i) => exactTop.add(id, vectors.fc7[i]));
    const truths = await Promise.all(
      ids.map(async (id, i) => new Set((await exactTop.search(vectors.fc7[i], 10, new Set([id]))).map((h) => h.id))),
    );
    exactTop.dispose();
    // Every variant at the default probes; the default variant also at each --compact-probes value.
    const runs: [string, Partial<CompactSettings>][] = [
      ...Object.entries(COMPACT_VARIANTS),
      ...extraProbes.map((probes): [string, Partial<CompactSettings>] => [`default, ${probes} probes`, { probes }]),
    ];
    for (const [name, variant] of runs) {
      const index = await CompactIndex.build(ids, vectors.fc7.map(l2Normalize), {
        ...DEFAULT_COMPACT,
        dims: compactDims,
        ...variant,
      });
      let same = 0, hits = 0, ms = 0;
      for (const [i, id] of ids.entries()) {
        const t = performance.now();
        const found = index.search(vectors.fc7[i], 10, new Set([id]));
        ms += performance.now() - t;
        same += found.filter((h) => loaded.labels[Number(h.id)] === loaded.labels[i]).length;
        hits += found.filter((h) => truths[i].has(h.id)).length;
      }
      compact[name] = {
        settings: describeCompact(index.settings),
        precisionAt10: same / (10 * ids.length),
        recallAt10: hits / (10 * ids.length),
        queryMs: ms / ids.length,
      };
      console.log(
        `fc7 compact ${name.padEnd(18)} P@10 ${pct(compact[name].precisionAt10)}, recall@10 against exact ${
          pct(compact[name].recallAt10)
        }, ${compact[name].queryMs.toFixed(2)} ms/query (${compact[name].settings})`,
      );
    }
  }
  const report = {
    schema: "alexnet.retrieval.eval/v1",
    data: v.data,
    model: { name: manifest.name, version: manifest.version, arch: manifest.arch, inputSize: manifest.inputSize },
    images: loaded.images.length,
    skipped: loaded.skipped.length,
    classNames: folder.classNames,
    embedImagesPerSec: loaded.images.length / embedSeconds,
    results,
    approximate,
    compact,
  };
  const out = v.out ?? "retrieval-eval.json";
  await Deno.writeTextFile(out, JSON.stringify(report, null, 2) + "\n");
  console.error(`wrote ${out}`);
  return 0;
}

if (import.meta.main) await runCli(() => main(Deno.args));
