/**
 * Builds a model version's index for the retrieval service, in the background of searches: the
 * compact snapshot when there is one, then the embeddings stored for this version, then every
 * owned image still missing — decoded from the object store, embedded, stored — in batches of 16,
 * looping until nothing is missing (images added meanwhile join before the switch); then the
 * compact or HNSW index the search mode asks for.
 *
 * @module
 */
import { embeddingsSubject } from "../../shared/bus/mod.ts";
import { decodeImage, type RgbImage } from "../../shared/image/mod.ts";
import type { EmbeddingLayer } from "../../shared/model/mod.ts";
import type { Predictor } from "../../shared/predictor/mod.ts";
import type { Catalogue } from "./catalogue.ts";
import type { CompactIndex } from "./compact/compact_index.ts";
import type { CompactUpkeep, TunedRecall } from "./compact_upkeep.ts";
import { HnswIndex } from "./hnsw_index.ts";
import type { ImageLibrary } from "./image_library.ts";
import { type SearchIndex, VectorIndex } from "./vector_index.ts";
import type { VersionIndex } from "./version_index.ts";

/** What building needs. */
export interface VersionBuilderDeps {
  store: ImageLibrary;
  catalogue: Catalogue;
  upkeep: CompactUpkeep;
  layer: EmbeddingLayer;
  approximate: boolean;
  /** Embeds decoded images, L2-normalised. */
  embed: (predictor: Predictor, images: RgbImage[]) => Promise<Float32Array[]>;
  /** Progress while images are embedded. */
  progress: (done: number, total: number) => void;
}

/** A built version and how it was built (for the log and the snapshot). */
export interface BuiltVersion {
  entry: VersionIndex;
  /** The snapshot the index started from, if any. */
  restored: { index: CompactIndex; seq: number } | null;
  /** The stream sequence the stored embeddings were read up to. */
  seq: number;
  /** Images read from the snapshot, read back from the stream, embedded now. */
  fromSnapshot: number;
  stored: number;
  computed: number;
  /** recall@10 on the held-out images, when a build tuned for a target measured it (else null). */
  tuned: TunedRecall | null;
}

/** Embeds every owned image missing from `index` into it (and the stream), until none is missing. */
async function embedMissing(
  deps: VersionBuilderDeps,
  predictor: Predictor,
  subject: string,
  index: SearchIndex,
): Promise<number> {
  const { store, catalogue } = deps;
  const pending = () => catalogue.records().filter((r) => catalogue.owns(r.id) && !index.has(r.id));
  let computed = 0;
  for (let batch = pending().slice(0, 16); batch.length > 0; batch = pending().slice(0, 16)) {
    const images: RgbImage[] = [];
    for (const record of batch) {
      const bytes = await store.original(record.sha256);
      if (!bytes) throw new Error(`original of ${record.id} is missing from the object store`);
      images.push(await decodeImage(bytes));
    }
    const vectors = await deps.embed(predictor, images);
    for (const [i, record] of batch.entries()) {
      await store.appendVector(subject, record.id, vectors[i]);
      index.add(record.id, vectors[i]);
    }
    computed += batch.length;
    deps.progress(index.size, catalogue.ownedCount());
    await new Promise((resolve) => setTimeout(resolve, 0)); // let searches run between batches
  }
  return computed;
}

/** An HNSW index of every vector of `index` (approximate mode). */
async function hnswOf(index: SearchIndex, dimensions: number): Promise<HnswIndex> {
  const ann = await HnswIndex.create(dimensions, undefined, Math.max(1024, index.size * 2));
  for (const id of index.ids()) ann.add(id, index.vector(id)!);
  return ann;
}

/**
 * @example
 * ```ts
 * const built = await buildVersionIndex(deps, predictor);
 * slot.swap(built.entry);
 * ```
 */
export async function buildVersionIndex(deps: VersionBuilderDeps, predictor: Predictor): Promise<BuiltVersion> {
  const { store, catalogue, upkeep } = deps;
  const { name, version } = predictor;
  const subject = embeddingsSubject(name, version, deps.layer);
  const seq = await store.lastSequence(subject);
  const restored = await upkeep.restore(subject);
  const fromSnapshot = restored?.index.size ?? 0;
  const stored = await store.readVectors(subject, restored ? restored.seq + 1 : 1);
  let index: SearchIndex = restored?.index ?? new VectorIndex(predictor.embeddingSize(deps.layer));
  for (const [id, vector] of stored) if (catalogue.has(id) && catalogue.owns(id)) index.add(id, vector);
  deps.progress(index.size, catalogue.ownedCount());
  let computed = 0;
  let heldOut: string[] = [];
  let tuned: TunedRecall | null = null;
  try {
    computed = await embedMissing(deps, predictor, subject, index);
    for (const id of index.ids()) if (!catalogue.has(id) || !catalogue.owns(id)) index.remove(id);
    if (index instanceof VectorIndex && upkeep.due(index.size, 0)) {
      const exact = index;
      ({ index, heldOut, tuned } = await upkeep.build(exact, `${name}@${version}`));
      exact.dispose();
    }
  } catch (error) {
    index.dispose();
    throw error;
  }
  const ann = deps.approximate ? await hnswOf(index, predictor.embeddingSize(deps.layer)) : null;
  const entry: VersionIndex = {
    predictor,
    subject,
    index,
    ann,
    compact: {
      fittedAt: index.size,
      sinceSnapshot: index === restored?.index ? stored.size + computed : 0,
      journal: null,
      heldOut,
    },
    recall: null,
    release: () => entry.index.dispose(),
  };
  return { entry, restored, seq, fromSnapshot, stored: stored.size, computed, tuned };
}
