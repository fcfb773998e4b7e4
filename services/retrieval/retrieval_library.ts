/**
 * The retrieval service's state: the catalog of indexed images, the active model version and
 * its in-memory index, and a background re-indexing when a new version is adopted. Searches
 * use the active index until the new one is complete, then switch at once. Embeddings are
 * stored per model version, so returning to an earlier version re-reads instead of
 * recomputing.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { Image } from "imagescript";
import type { AddedImage } from "../../shared/bus/messages.ts";
import { embeddingsSubject } from "../../shared/bus/subjects.ts";
import { type LoadedCheckpoint, sha256Hex } from "../../shared/checkpoint/checkpoint_files.ts";
import { RequestError } from "../../shared/http/error_response.ts";
import { decodeImage } from "../../shared/image/decode_image.ts";
import { centerCropForModel } from "../../shared/image/model_input.ts";
import { normalizeBatch } from "../../shared/image/normalize_batch.ts";
import { readImageSize } from "../../shared/image/read_image_size.ts";
import { resizeImage } from "../../shared/image/resize_short_side.ts";
import type { RgbImage } from "../../shared/image/rgb_image.ts";
import type { EmbeddingLayer } from "../../shared/model/build_alexnet.ts";
import type { ImageLibrary } from "./image_library.ts";
import { HnswIndex } from "./hnsw_index.ts";
import { l2Normalize, type Neighbour, VectorIndex } from "./vector_index.ts";

/** Settings of {@linkcode RetrievalLibrary}. */
export interface RetrievalOptions {
  layer: EmbeddingLayer;
  /** `exact` (default): cosine by matrix product; `approximate`: HNSW (hnswlib-wasm). */
  search?: "exact" | "approximate";
  maxPixels: number;
  /** Longer side of stored thumbnails, px. */
  thumbnailSize: number;
  log: (line: string) => void;
}

interface ActiveIndex {
  checkpoint: LoadedCheckpoint;
  subject: string;
  /** Every vector; answers exact searches and lookups by id. */
  index: VectorIndex;
  /** Set in approximate mode: answers searches. */
  ann: HnswIndex | null;
}

/** A search hit with what the catalog knows about it. */
export interface SearchHit extends Neighbour {
  metadata: Record<string, unknown>;
}

/** What `GET /v1/status` reports. */
export interface RetrievalStatus {
  model: { name: string; version: string; layer: EmbeddingLayer; search: "exact" | "approximate" } | null;
  images: number;
  indexed: number;
  reindexing: { version: string; done: number; total: number } | null;
}

async function thumbnailJpeg(image: RgbImage, size: number): Promise<Uint8Array> {
  const scale = Math.min(1, size / Math.max(image.width, image.height));
  const small = resizeImage(
    image,
    Math.max(1, Math.round(image.width * scale)),
    Math.max(1, Math.round(image.height * scale)),
  );
  const out = new Image(small.width, small.height);
  for (let p = 0; p < small.width * small.height; p++) {
    out.bitmap.set([small.data[p * 3], small.data[p * 3 + 1], small.data[p * 3 + 2], 255], p * 4);
  }
  return await out.encodeJPEG(80);
}

/**
 * @example
 * ```ts
 * const retrieval = await RetrievalLibrary.open(await ImageLibrary.open(nc), options);
 * await retrieval.adopt(checkpoint);
 * const { id } = await retrieval.add(bytes, { metadata: { label: "cat" } });
 * ```
 */
export class RetrievalLibrary {
  readonly #store: ImageLibrary;
  readonly #options: RetrievalOptions;
  readonly #catalog: Map<string, AddedImage>;
  readonly #bySha = new Map<string, string>();
  #active: ActiveIndex | null = null;
  #building: { version: string; done: number; total: number } | null = null;
  /** How many images were embedded by a model (not read back from the stream). */
  embeddedCount = 0;

  private constructor(store: ImageLibrary, options: RetrievalOptions, catalog: Map<string, AddedImage>) {
    this.#store = store;
    this.#options = options;
    this.#catalog = catalog;
    for (const record of catalog.values()) this.#bySha.set(record.sha256, record.id);
  }

  /** Replays the catalog from JetStream. */
  static async open(store: ImageLibrary, options: RetrievalOptions): Promise<RetrievalLibrary> {
    return new RetrievalLibrary(store, options, await store.readCatalog());
  }

  get activeVersion(): string | null {
    return this.#active?.checkpoint.manifest.version ?? null;
  }

  status(): RetrievalStatus {
    const m = this.#active?.checkpoint.manifest;
    return {
      model: m
        ? { name: m.name, version: m.version, layer: this.#options.layer, search: this.#options.search ?? "exact" }
        : null,
      images: this.#catalog.size,
      indexed: this.#active?.index.size ?? 0,
      reindexing: this.#building ? { ...this.#building } : null,
    };
  }

  record(id: string): AddedImage | undefined {
    return this.#catalog.get(id);
  }

  async original(id: string): Promise<Uint8Array | null> {
    const record = this.#catalog.get(id);
    return record ? await this.#store.original(record.sha256) : null;
  }

  async thumbnail(id: string): Promise<Uint8Array | null> {
    const record = this.#catalog.get(id);
    return record ? await this.#store.thumbnail(record.sha256) : null;
  }

  /** Embeds decoded images with `checkpoint`, L2-normalised. */
  async #embed(checkpoint: LoadedCheckpoint, images: RgbImage[]): Promise<Float32Array[]> {
    const { manifest, model } = checkpoint;
    const crops = images.map((image) => centerCropForModel(image, manifest));
    const size = manifest.inputSize;
    const batch = tf.tensor4d(normalizeBatch(crops, manifest.normalization), [crops.length, size, size, 3]);
    try {
      this.embeddedCount += images.length;
      return (await model.embed(batch, this.#options.layer)).map(l2Normalize);
    } finally {
      batch.dispose();
    }
  }

  #decodeChecked(bytes: Uint8Array): Promise<RgbImage> {
    const { width, height } = readImageSize(bytes);
    if (width * height > this.#options.maxPixels) {
      throw new RequestError(
        413,
        "too_many_pixels",
        `image is ${width}×${height}; the limit is ${this.#options.maxPixels / 1e6} MP`,
      );
    }
    return decodeImage(bytes);
  }

  /**
   * Stores, embeds and indexes an image. Identical bytes are stored once: a second upload
   * answers the existing id with `duplicate: true`.
   */
  async add(bytes: Uint8Array, options: { id?: string; metadata?: Record<string, unknown> } = {}) {
    const sha256 = await sha256Hex(bytes);
    const existing = this.#bySha.get(sha256);
    if (existing) return { id: existing, duplicate: true };
    const id = options.id ?? sha256.slice(0, 16);
    if (!/^[A-Za-z0-9._-]{1,128}$/.test(id)) {
      throw new RequestError(400, "invalid_id", "id may hold letters, digits, '.', '_' and '-' (at most 128)");
    }
    if (this.#catalog.has(id)) throw new RequestError(409, "id_taken", `id ${id} already names another image`);
    const active = this.#active;
    if (!active) throw new RequestError(503, "no_model", "no model is loaded yet; retry shortly", 1);
    const image = await this.#decodeChecked(bytes);
    const [vector] = await this.#embed(active.checkpoint, [image]);
    await this.#store.putImage(sha256, bytes, await thumbnailJpeg(image, this.#options.thumbnailSize));
    await this.#store.appendVector(active.subject, id, vector);
    const record: AddedImage = {
      schema: "alexnet.images.record/v1",
      op: "add",
      id,
      sha256,
      metadata: options.metadata ?? {},
      width: image.width,
      height: image.height,
      createdAt: new Date().toISOString(),
    };
    await this.#store.appendRecord(record);
    this.#catalog.set(id, record);
    this.#bySha.set(sha256, id);
    // The active index may have changed while we awaited; index where the vector belongs.
    if (this.#active === active) {
      active.index.add(id, vector);
      active.ann?.add(id, vector);
    }
    return { id, duplicate: false };
  }

  /** Deletes `id` (persisted); returns whether it existed. */
  async delete(id: string): Promise<boolean> {
    const record = this.#catalog.get(id);
    if (!record) return false;
    await this.#store.appendRecord({
      schema: "alexnet.images.record/v1",
      op: "delete",
      id,
      createdAt: new Date().toISOString(),
    });
    this.#catalog.delete(id);
    this.#bySha.delete(record.sha256);
    this.#active?.index.remove(id);
    this.#active?.ann?.remove(id);
    return true;
  }

  /** The `k` nearest images to image bytes, or to a stored image (which is left out). */
  async search(query: { bytes: Uint8Array } | { id: string }, k: number): Promise<SearchHit[]> {
    const active = this.#active;
    if (!active) throw new RequestError(503, "no_model", "no model is loaded yet; retry shortly", 1);
    let vector: Float32Array;
    const exclude = new Set<string>();
    if ("id" in query) {
      const stored = active.index.vector(query.id);
      if (!stored) throw new RequestError(404, "not_found", `no image with id ${query.id}`);
      vector = stored;
      exclude.add(query.id);
    } else {
      [vector] = await this.#embed(active.checkpoint, [await this.#decodeChecked(query.bytes)]);
    }
    return (active.ann ?? active.index).search(vector, k, exclude).map((hit) => ({
      ...hit,
      metadata: this.#catalog.get(hit.id)?.metadata ?? {},
    }));
  }

  /**
   * Makes `checkpoint` the active model: reads this version's stored embeddings, embeds
   * whatever is missing (in the background of searches, which keep the old index), then
   * switches. The old model is disposed.
   */
  async adopt(checkpoint: LoadedCheckpoint): Promise<void> {
    const { name, version } = checkpoint.manifest;
    const subject = embeddingsSubject(name, version, this.#options.layer);
    const stored = await this.#store.readVectors(subject);
    const probe = tf.zeros([1, checkpoint.manifest.inputSize, checkpoint.manifest.inputSize, 3]) as tf.Tensor4D;
    const dimension = (await checkpoint.model.embed(probe, this.#options.layer))[0].length;
    probe.dispose();
    const index = new VectorIndex(dimension);
    const pending = () => [...this.#catalog.values()].filter((r) => !index.has(r.id));
    for (const [id, vector] of stored) if (this.#catalog.has(id)) index.add(id, vector);
    this.#building = { version, done: index.size, total: this.#catalog.size };
    const started = performance.now();
    let computed = 0;
    try {
      // Loop until nothing is missing: images added meanwhile join before the switch.
      for (let batch = pending().slice(0, 16); batch.length > 0; batch = pending().slice(0, 16)) {
        const images: RgbImage[] = [];
        const ids: string[] = [];
        for (const record of batch) {
          const bytes = await this.#store.original(record.sha256);
          if (!bytes) throw new Error(`original of ${record.id} is missing from the object store`);
          images.push(await decodeImage(bytes));
          ids.push(record.id);
        }
        const vectors = await this.#embed(checkpoint, images);
        for (const [i, id] of ids.entries()) {
          await this.#store.appendVector(subject, id, vectors[i]);
          index.add(id, vectors[i]);
        }
        computed += ids.length;
        this.#building = { version, done: index.size, total: this.#catalog.size };
        await new Promise((resolve) => setTimeout(resolve, 0)); // let searches run between batches
      }
      for (const id of index.ids()) if (!this.#catalog.has(id)) index.remove(id);
    } catch (error) {
      index.dispose();
      throw error;
    } finally {
      this.#building = null;
    }
    let ann: HnswIndex | null = null;
    if (this.#options.search === "approximate") {
      ann = await HnswIndex.create(dimension, undefined, Math.max(1024, index.size * 2));
      for (const id of index.ids()) ann.add(id, index.vector(id)!);
    }
    const previous = this.#active;
    this.#active = { checkpoint, subject, index, ann };
    previous?.index.dispose();
    previous?.checkpoint.model.dispose();
    this.#options.log(
      `index ${name}@${version} ${this.#options.layer}: ${index.size} images (${stored.size} stored, ${computed} embedded ` +
        `in ${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
  }

  /** Frees the model and index. */
  close(): void {
    this.#active?.index.dispose();
    this.#active?.checkpoint.model.dispose();
    this.#active = null;
  }
}
