/**
 * One model version as the retrieval service serves it — its predictor and the index of its
 * embeddings, swapped in together — and the two ways an image enters or leaves it.
 *
 * @module
 */
import type { Served } from "../../shared/predictor/mod.ts";
import type { HnswIndex } from "./hnsw_index.ts";
import type { RecallReport } from "./recall_check.ts";
import type { SearchIndex } from "./vector_index.ts";

/** One model version as served: its predictor and the index of its embeddings. */
export interface VersionIndex extends Served {
  subject: string;
  /** Every vector; answers searches (but in approximate mode) and lookups by id. Replaced by a refit. */
  index: SearchIndex;
  /** Set in approximate mode: answers searches. */
  ann: HnswIndex | null;
  /**
   * Compact mode: the size the index was fitted at, adds since the last snapshot, a refit's journal, and the
   * catalogue images held out of the last fit (its recall probes).
   */
  compact: {
    fittedAt: number;
    sinceSnapshot: number;
    journal: [string, Float32Array | null][] | null;
    heldOut: string[];
  };
  /** The searching index's recall@10, measured after it was built (null until measured). */
  recall: RecallReport | null;
}

/** Adds `id` to the version's index, its HNSW and a refit in progress. */
export function indexVector(entry: VersionIndex, id: string, vector: Float32Array): void {
  entry.index.add(id, vector);
  entry.ann?.add(id, vector);
  entry.compact.journal?.push([id, vector]);
  entry.compact.sinceSnapshot++;
}

/** Removes `id` from the version's index, its HNSW and a refit in progress. */
export function unindexVector(entry: VersionIndex, id: string): void {
  entry.index.remove(id);
  entry.ann?.remove(id);
  entry.compact.journal?.push([id, null]);
}
