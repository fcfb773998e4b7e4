/**
 * Real fc7 embeddings for `retrieval:bench`: a folder of photos (e.g. the 2,000 cats and dogs),
 * each seen many times through the paper's augmentations (§4.1) — a random 224 crop of the
 * 256-square image, mirrored at random, shifted along the colour PCA — and embedded by a trained
 * checkpoint exactly as the service embeds an upload (its own rescale and centre crop, fc7 after
 * ReLU), L2-normalised. Views cycle through the photos, so a catalogue of n holds about
 * n / photos views of each. Cached as float16 in a file named by the checkpoint's version, the
 * count and the seed, since 100k forward passes take minutes.
 *
 * @module
 */
import { ProgressBar } from "../../../shared/cli/mod.ts";
import {
  type ColourPca,
  computeColourPca,
  cropImage,
  drawColourShift,
  loadImages,
  randomCropWindow,
  type RgbImage,
  scanImageFolder,
} from "../../../shared/image/mod.ts";
import { openPredictor } from "../../../shared/predictor/mod.ts";
import { SeededRandom } from "../../../shared/random/mod.ts";
import { l2Normalize } from "../vector_index.ts";

/** What to embed. */
export interface PhotoViews {
  /** A folder of photos (Kaggle's flat layout or one folder per class). */
  data: string;
  /** A checkpoint folder. */
  checkpoint: string;
  /** Views to embed (cycling through the photos). */
  count: number;
  seed: number;
  /** Folder for the float16 cache (absent: no cache). */
  cacheDir?: string;
  batchSize?: number;
}

/** One augmented view of `image`: a random `size` crop, maybe mirrored, its colours shifted along the PCA. */
export function augmentedView(image: RgbImage, size: number, pca: ColourPca, rng: SeededRandom): RgbImage {
  const view = cropImage(image, randomCropWindow(image, size, rng));
  const shift = drawColourShift(pca, rng).map((s) => s * 255);
  const { data } = view;
  for (let p = 0; p < data.length; p += 3) {
    for (let c = 0; c < 3; c++) data[p + c] = Math.max(0, Math.min(255, Math.round(data[p + c] + shift[c])));
  }
  return view;
}

/**
 * `views.count` L2-normalised fc7 vectors of augmented views of the photos in `views.data`,
 * from the cache when it holds them.
 *
 * @example
 * ```ts
 * const vectors = await photoEmbeddings({ data: "../shared/data/dogs-vs-cats-2k", checkpoint: "runs/cats-dogs-224/best", count: 1000, seed: 1 });
 * ```
 */
export async function photoEmbeddings(views: PhotoViews): Promise<Float32Array[]> {
  const predictor = await openPredictor(views.checkpoint, { log: (line) => console.error(line) });
  try {
    const { manifest } = predictor;
    const cache = views.cacheDir
      ? `${views.cacheDir}/photos-${manifest.version}-${views.count}-s${views.seed}.f16`
      : null;
    const cached = cache ? await readCache(cache, views.count) : null;
    if (cached) {
      console.error(`photo embeddings: ${views.count} read from ${cache}`);
      return cached;
    }
    const folder = await scanImageFolder(views.data, { minClasses: 1 });
    const { images, skipped } = await loadImages(folder.files, manifest.resizeSize);
    if (images.length === 0) throw new Error(`no readable photos in ${views.data}`);
    if (skipped.length) console.error(`photo embeddings: ${skipped.length} unreadable photos skipped`);
    const pca = computeColourPca(images);
    const rng = new SeededRandom(views.seed);
    const batch = views.batchSize ?? 64;
    const out: Float32Array[] = [];
    const bar = new ProgressBar("embed views", views.count, { unit: "views" });
    for (let start = 0; start < views.count; start += batch) {
      const part = Array.from({ length: Math.min(batch, views.count - start) }, (_, i) => {
        const image = images[(start + i) % images.length];
        return augmentedView(image, manifest.inputSize, pca, rng);
      });
      out.push(...(await predictor.embed(part, "fc7")).map(l2Normalize));
      bar.tick(part.length);
    }
    bar.done();
    if (cache) await writeCache(cache, out);
    return out;
  } finally {
    predictor.dispose();
  }
}

async function readCache(path: string, count: number): Promise<Float32Array[] | null> {
  const bytes = await Deno.readFile(path).catch(() => null);
  if (!bytes || bytes.byteLength % (2 * count) !== 0) return null;
  const half = new Float16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
  const dimension = half.length / count;
  return Array.from({ length: count }, (_, i) => Float32Array.from(half.subarray(i * dimension, (i + 1) * dimension)));
}

async function writeCache(path: string, vectors: Float32Array[]): Promise<void> {
  const d = vectors[0].length;
  const half = new Float16Array(vectors.length * d);
  vectors.forEach((v, i) => half.set(v, i * d));
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  await Deno.writeFile(path, new Uint8Array(half.buffer));
}
