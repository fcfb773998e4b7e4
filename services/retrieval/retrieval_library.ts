/**
 * The retrieval service's state: the catalog of indexed images, the active model version —
 * its predictor and its in-memory index, served together from one hot-swap slot — and a
 * background re-indexing when a new version is adopted. Searches use the active index until
 * the new one is complete, then switch at once; a search in flight keeps the predictor and
 * index it started with until it ends. Embeddings are stored per model version, so returning
 * to an earlier version re-reads instead of recomputing.
 *
 * @module
 */
import { Image } from "imagescript";
import { type AddedImage, embeddingsSubject } from "../../shared/bus/mod.ts";
import { sha256Hex } from "../../shared/checkpoint/mod.ts";
import { RequestError } from "../../shared/http/mod.ts";
import { decodeImage, decodeImageWithin, resizeImage, type RgbImage } from "../../shared/image/mod.ts";
import type { EmbeddingLayer } from "../../shared/model/mod.ts";
import { type Predictor, PredictorSlot, type Served } from "../../shared/predictor/mod.ts";
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

/** One model version as served: its predictor and the index of its embeddings. */
interface VersionIndex extends Served {
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
 * await retrieval.adopt(await loadPredictor(files));
 * const { id } = await retrieval.add(bytes, { metadata: { label: "cat" } });
 * ```
 */
export class RetrievalLibrary {
  readonly #store: ImageLibrary;
  readonly #options: RetrievalOptions;
  readonly #catalog: Map<string, AddedImage>;
  readonly #bySha = new Map<string, string>();
  readonly #slot = new PredictorSlot<VersionIndex>();
  #building: { version: string; done: number; total: number } | null = null;
  /** How many images were embedded by a model (not read back from the stream). */
  embeddedCount = 0;
  /** Checkpoints refused (signature, digests, format) instead of used. */
  checkpointsRefused = 0;

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
    return this.#slot.current?.predictor.version ?? null;
  }

  status(): RetrievalStatus {
    const active = this.#slot.current;
    const m = active?.predictor.manifest;
    return {
      model: m
        ? { name: m.name, version: m.version, layer: this.#options.layer, search: this.#options.search ?? "exact" }
        : null,
      images: this.#catalog.size,
      indexed: active?.index.size ?? 0,
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

  /** Embeds decoded images with `predictor`, L2-normalised. */
  async #embed(predictor: Predictor, images: RgbImage[]): Promise<Float32Array[]> {
    this.embeddedCount += images.length;
    return (await predictor.embed(images, this.#options.layer)).map(l2Normalize);
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
    if (!this.#slot.current) throw new RequestError(503, "no_model", "no model is loaded yet; retry shortly", 1);
    return await this.#slot.use((active) => this.#addWith(active, bytes, sha256, id, options.metadata ?? {}));
  }

  async #addWith(
    active: VersionIndex,
    bytes: Uint8Array,
    sha256: string,
    id: string,
    metadata: Record<string, unknown>,
  ): Promise<{ id: string; duplicate: boolean }> {
    const image = await decodeImageWithin(bytes, this.#options.maxPixels);
    const [vector] = await this.#embed(active.predictor, [image]);
    await this.#store.putImage(sha256, bytes, await thumbnailJpeg(image, this.#options.thumbnailSize));
    await this.#store.appendVector(active.subject, id, vector);
    const record: AddedImage = {
      schema: "alexnet.images.record/v1",
      op: "add",
      id,
      sha256,
      metadata,
      width: image.width,
      height: image.height,
      createdAt: new Date().toISOString(),
    };
    try {
      await this.#store.appendRecord(record);
    } catch (error) {
      // The record may still reach JetStream (an ack lost, or a write nats.js had queued): a
      // delete right behind it keeps the refused add out of the catalogue on every replay.
      this.#store.retractRecord(id);
      throw error;
    }
    this.#catalog.set(id, record);
    this.#bySha.set(sha256, id);
    // The active index may have changed while we awaited; index where the vector belongs.
    if (this.#slot.current === active) {
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
    this.#slot.current?.index.remove(id);
    this.#slot.current?.ann?.remove(id);
    return true;
  }

  /** The `k` nearest images to image bytes, or to a stored image (which is left out). */
  async search(query: { bytes: Uint8Array } | { id: string }, k: number): Promise<SearchHit[]> {
    if (!this.#slot.current) throw new RequestError(503, "no_model", "no model is loaded yet; retry shortly", 1);
    return await this.#slot.use((active) => this.#searchWith(active, query, k));
  }

  async #searchWith(active: VersionIndex, query: { bytes: Uint8Array } | { id: string }, k: number) {
    let vector: Float32Array;
    const exclude = new Set<string>();
    if ("id" in query) {
      const stored = active.index.vector(query.id);
      if (!stored) throw new RequestError(404, "not_found", `no image with id ${query.id}`);
      vector = stored;
      exclude.add(query.id);
    } else {
      [vector] = await this.#embed(active.predictor, [await decodeImageWithin(query.bytes, this.#options.maxPixels)]);
    }
    const hits = active.ann ? active.ann.search(vector, k, exclude) : await active.index.search(vector, k, exclude);
    return hits.map((hit) => ({
      ...hit,
      metadata: this.#catalog.get(hit.id)?.metadata ?? {},
    }));
  }

  /**
   * Makes `predictor` (it takes ownership) the active model: reads this version's stored
   * embeddings, embeds whatever is missing (in the background of searches, which keep the old
   * index), then switches. The old predictor and index are released once no search uses them;
   * if re-indexing fails, the new predictor is disposed and the old one stays.
   */
  async adopt(predictor: Predictor): Promise<void> {
    try {
      await this.#reindex(predictor);
    } catch (error) {
      predictor.dispose();
      throw error;
    }
  }

  async #reindex(predictor: Predictor): Promise<void> {
    const { name, version } = predictor;
    const subject = embeddingsSubject(name, version, this.#options.layer);
    const stored = await this.#store.readVectors(subject);
    const index = new VectorIndex(predictor.embeddingSize(this.#options.layer));
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
        const vectors = await this.#embed(predictor, images);
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
      ann = await HnswIndex.create(index.dimension, undefined, Math.max(1024, index.size * 2));
      for (const id of index.ids()) ann.add(id, index.vector(id)!);
    }
    this.#slot.swap({ predictor, subject, index, ann, release: () => index.dispose() });
    this.#options.log(
      `index ${name}@${version} ${this.#options.layer}: ${index.size} images (${stored.size} stored, ${computed} embedded ` +
        `in ${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
  }

  /** Frees the model and index (once searches in flight end). */
  close(): void {
    this.#slot.close();
  }
}
