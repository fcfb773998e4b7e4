/**
 * The catalogues `retrieval:bench` measures on, by name: two generated fc7-like distributions
 * (`synthetic_vectors.ts`) — `shared`, clusters varying along shared directions only, and
 * `clusters`, the hard one — and `photos`, real fc7 embeddings of augmented views of a folder of
 * photos by a trained checkpoint (`photo_embeddings.ts`). Each gives `n` catalogue vectors and
 * `queries` fresh ones from the same distribution.
 *
 * @module
 */
import { listFlag, UsageError } from "../../../shared/cli/mod.ts";
import { type SyntheticShape, syntheticVectors } from "../compact/synthetic_vectors.ts";
import { photoEmbeddings } from "./photo_embeddings.ts";

/** The generated distributions, and what each is. */
export const GENERATED: Record<string, { about: string; shape: Omit<SyntheticShape, "dimension" | "seed"> }> = {
  shared: {
    about: "n/1000 equal clusters varying along 128 shared directions (1/rank spectrum), 3/4 of entries nonzero",
    shape: {},
  },
  clusters: {
    about: "300 clusters of unequal sizes (1/rank), each varying along 32 directions of its own beside 128 " +
      "shared ones, sparse (about 1/3 of entries nonzero), 3% near-duplicates",
    shape: { clusters: 300, ownFactors: 32, sizeSkew: 1, centreShift: 1, duplicates: 0.03 },
  },
};

/** Every name `--distributions` takes. */
export const DISTRIBUTION_NAMES = [...Object.keys(GENERATED), "photos"];

/** Where the `photos` catalogue comes from. */
export interface PhotoSource {
  data: string;
  /** A trained checkpoint folder; null: no photos catalogue. */
  checkpoint: string | null;
  cacheDir: string;
}

/** A catalogue and its queries. */
export interface BenchCatalogue {
  name: string;
  about: string;
  base: Float32Array[];
  queries: Float32Array[];
}

/** Checks `--distributions`; `photos` needs a checkpoint. */
export function parseDistributions(list: string, photos: PhotoSource): string[] {
  const names = listFlag("distribution", list, DISTRIBUTION_NAMES);
  if (names.includes("photos") && !photos.checkpoint) {
    throw new UsageError("the photos distribution needs --checkpoint DIR (a trained model) and --photos DIR");
  }
  if (names.length === 0) throw new UsageError("--distributions names none");
  return names;
}

/**
 * The catalogue `name`: `n` vectors then `queryCount` queries.
 *
 * @example
 * ```ts
 * const { base, queries } = await benchCatalogue("clusters", 100_000, 200, { dimension: 4096, seed: 1 }, photos);
 * ```
 */
export async function benchCatalogue(
  name: string,
  n: number,
  queryCount: number,
  generated: { dimension: number; seed: number; onChunk?: (vectors: Float32Array[]) => void },
  photos: PhotoSource,
): Promise<BenchCatalogue> {
  const total = n + queryCount;
  let all: Float32Array[], about: string;
  if (name === "photos") {
    const { data, checkpoint, cacheDir } = photos;
    all = await photoEmbeddings({ data, checkpoint: checkpoint!, count: total, seed: generated.seed, cacheDir });
    about = `fc7 of ${checkpoint} on augmented views (random 224 crop, mirror, PCA colour) of the photos in ${data}`;
  } else {
    const { shape, about: what } = GENERATED[name];
    all = await syntheticVectors(
      total,
      { ...shape, dimension: generated.dimension, seed: generated.seed },
      (chunk) => generated.onChunk?.(chunk),
    );
    about = what;
  }
  return { name, about, base: all.slice(0, n), queries: all.slice(n) };
}
