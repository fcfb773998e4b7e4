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
import { type AddedImage, embeddingsSubject, type ImageRecord } from "../../shared/bus/mod.ts";
import { sha256Hex } from "../../shared/checkpoint/mod.ts";
import { RequestError } from "../../shared/http/mod.ts";
import { decodeImage, decodeImageWithin, encodeJpeg, resizeImage, type RgbImage } from "../../shared/image/mod.ts";
import type { EmbeddingLayer } from "../../shared/model/mod.ts";
import { type Predictor, PredictorSlot, type Served } from "../../shared/predictor/mod.ts";
import type { ImageLibrary } from "./image_library.ts";
import { CompactIndex, type CompactSettings } from "./compact/compact_index.ts";
import { HnswIndex } from "./hnsw_index.ts";
import { decodeIndexSnapshot, encodeIndexSnapshot } from "./index_snapshot.ts";
import type { Gathered, ScatterQuery, ShardPart } from "./shard_search.ts";
import { shardName, shardOf, type ShardSpec } from "./shards.ts";
import { l2Normalize, type Neighbour, type SearchIndex, VectorIndex } from "./vector_index.ts";

/** How searches run: exact cosine, HNSW, or the compact index (PCA + int8 inverted file, re-ranked). */
export type SearchMode = "exact" | "approximate" | "compact";

/** Compact mode's settings. */
export interface CompactOptions {
  settings: CompactSettings;
  /** Catalogues smaller than this are searched exactly (default 5,000). */
  from: number;
}

/** Settings of {@linkcode RetrievalLibrary}. */
export interface RetrievalOptions {
  layer: EmbeddingLayer;
  /**
   * `exact` (default): cosine by matrix product; `approximate`: HNSW (hnswlib-wasm); `compact`:
   * {@linkcode CompactIndex} once the catalogue reaches `compact.from` images, refitted when it
   * doubles, snapshotted to the object store so a restart loads it.
   */
  search?: SearchMode;
  compact?: CompactOptions;
  /** Index only the ids of this shard; searches then ask every shard through `scatter`. */
  shard?: ShardSpec;
  /** Sends a query to every shard and merges their answers (set with `shard`). */
  scatter?: (query: ScatterQuery) => Promise<Gathered>;
  maxPixels: number;
  /** Longer side of stored thumbnails, px. */
  thumbnailSize: number;
  log: (line: string) => void;
}

/** One model version as served: its predictor and the index of its embeddings. */
interface VersionIndex extends Served {
  subject: string;
  /** Every vector; answers searches (but in approximate mode) and lookups by id. Replaced by a refit. */
  index: SearchIndex;
  /** Set in approximate mode: answers searches. */
  ann: HnswIndex | null;
  /** Compact mode: the size the index was fitted at, adds since the last snapshot, a refit's journal. */
  compact: { fittedAt: number; sinceSnapshot: number; journal: [string, Float32Array | null][] | null };
}

/** A search hit with what the catalog knows about it. */
export interface SearchHit extends Neighbour {
  metadata: Record<string, unknown>;
}

/** A search's answer; with shards, `partial` when not every shard answered in time. */
export interface SearchAnswer {
  results: SearchHit[];
  partial: boolean;
  shards?: { answered: number; total: number };
}

/** What `GET /v1/status` reports. */
export interface RetrievalStatus {
  model:
    | { name: string; version: string; layer: EmbeddingLayer; search: SearchMode; index: "exact" | "compact" }
    | null;
  images: number;
  indexed: number;
  /** "I/N" when sharded. */
  shard: string | null;
  reindexing: { version: string; done: number; total: number } | null;
}

function thumbnailJpeg(image: RgbImage, size: number): Uint8Array {
  const scale = Math.min(1, size / Math.max(image.width, image.height));
  const small = resizeImage(
    image,
    Math.max(1, Math.round(image.width * scale)),
    Math.max(1, Math.round(image.height * scale)),
  );
  return encodeJpeg(small, 80);
}

/**
 * @example
 * ```ts
 * const retrieval = await RetrievalLibrary.open(await ImageLibrary.open(nc), options);
 * await retrieval.adopt(await loadPredictor(files));
 * const { id } = await retrieval.add(bytes, { metadata: { label: "cat" } });
 * ```
 */
export class RetrievalLibrary implements ShardPart {
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
  /** Ids this process is adding now (their catalogue records also come back through {@linkcode onCatalogRecord}). */
  readonly #adding = new Set<string>();

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

  /** "I/N", or "0/1" when not sharded. */
  get shardName(): string {
    return shardName(this.#options.shard ?? { index: 0, count: 1 });
  }

  /** Whether this process indexes `id` (always, unless sharded). */
  #owns(id: string): boolean {
    const shard = this.#options.shard;
    return !shard || shardOf(id, shard.count) === shard.index;
  }

  get activeVersion(): string | null {
    return this.#slot.current?.predictor.version ?? null;
  }

  status(): RetrievalStatus {
    const active = this.#slot.current;
    const m = active?.predictor.manifest;
    return {
      model: m
        ? {
          name: m.name,
          version: m.version,
          layer: this.#options.layer,
          search: this.#options.search ?? "exact",
          index: active?.index instanceof CompactIndex ? "compact" : "exact",
        }
        : null,
      images: this.#catalog.size,
      indexed: active?.index.size ?? 0,
      shard: this.#options.shard ? shardName(this.#options.shard) : null,
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
    this.#adding.add(id);
    try {
      return await this.#slot.use((active) => this.#addWith(active, bytes, sha256, id, options.metadata ?? {}));
    } finally {
      this.#adding.delete(id);
    }
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
    await this.#store.putImage(sha256, bytes, thumbnailJpeg(image, this.#options.thumbnailSize));
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
    if (this.#owns(id)) {
      // A newer version may have been adopted while we awaited, after its re-index had looked
      // for missing images: then this image is embedded again, under that version.
      if (this.#slot.current === active) this.#index(active, id, vector);
      else await this.#indexUnderCurrent(id, image);
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
    this.#forget(record);
    return true;
  }

  /** Indexes `id` in `active` (and its HNSW, and a refit in progress), then keeps compact mode's upkeep. */
  #index(active: VersionIndex, id: string, vector: Float32Array): void {
    active.index.add(id, vector);
    active.ann?.add(id, vector);
    active.compact.journal?.push([id, vector]);
    active.compact.sinceSnapshot++;
    this.#maintainCompact(active);
  }

  /** Drops a deleted image from the catalogue and the active index. */
  #forget(record: AddedImage): void {
    this.#catalog.delete(record.id);
    this.#bySha.delete(record.sha256);
    const active = this.#slot.current;
    active?.index.remove(record.id);
    active?.ann?.remove(record.id);
    active?.compact.journal?.push([record.id, null]);
  }

  /** The `k` nearest images to image bytes, or to a stored image (which is left out). */
  async search(query: { bytes: Uint8Array } | { id: string }, k: number): Promise<SearchHit[]> {
    return (await this.searchAnswer(query, k)).results;
  }

  /** {@linkcode search} with, when sharded, how many shards answered. */
  async searchAnswer(query: { bytes: Uint8Array } | { id: string }, k: number): Promise<SearchAnswer> {
    if (!this.#slot.current) throw new RequestError(503, "no_model", "no model is loaded yet; retry shortly", 1);
    return await this.#slot.use((active) => this.#searchWith(active, query, k));
  }

  async #searchWith(active: VersionIndex, query: { bytes: Uint8Array } | { id: string }, k: number) {
    const { vector, exclude } = await this.#queryVector(active, query);
    const scatter = this.#options.scatter;
    let gathered: Gathered | null = null;
    if (scatter) {
      gathered = await scatter({ vector, k, exclude: [...exclude], version: active.predictor.version });
    }
    const hits = gathered?.hits ?? await this.#searchIndex(active, vector, k, exclude);
    return {
      results: hits.map((hit) => ({ ...hit, metadata: this.#catalog.get(hit.id)?.metadata ?? {} })),
      partial: gathered ? gathered.answered < gathered.total : false,
      ...(gathered ? { shards: { answered: gathered.answered, total: gathered.total } } : {}),
    };
  }

  async #searchIndex(active: VersionIndex, vector: Float32Array, k: number, exclude: ReadonlySet<string>) {
    return active.ann ? active.ann.search(vector, k, exclude) : await active.index.search(vector, k, exclude);
  }

  /** The embedding to search with: the image's, or a stored image's (left out of the results). */
  async #queryVector(active: VersionIndex, query: { bytes: Uint8Array } | { id: string }) {
    if (!("id" in query)) {
      const image = await decodeImageWithin(query.bytes, this.#options.maxPixels);
      return { vector: (await this.#embed(active.predictor, [image]))[0], exclude: new Set<string>() };
    }
    const exclude = new Set([query.id]);
    const stored = active.index.vector(query.id);
    if (stored) return { vector: stored, exclude };
    // Sharded: another shard indexes it; embed the stored original here.
    const record = this.#options.shard ? this.#catalog.get(query.id) : undefined;
    const bytes = record ? await this.#store.original(record.sha256) : null;
    if (!bytes) throw new RequestError(404, "not_found", `no image with id ${query.id}`);
    return { vector: (await this.#embed(active.predictor, [await decodeImage(bytes)]))[0], exclude };
  }

  /** This shard's part of a search under model `version` (another version's scores would not compare). */
  async searchPart(vector: Float32Array, k: number, exclude: ReadonlySet<string>, version: string) {
    if (!this.#slot.current) throw new RequestError(503, "no_model", "no model is loaded yet; retry shortly", 1);
    return await this.#slot.use(async (active) => {
      if (active.predictor.version !== version) {
        throw new RequestError(409, "version_mismatch", `shard ${this.shardName} serves ${active.predictor.version}`);
      }
      return await this.#searchIndex(active, vector, k, exclude);
    });
  }

  /**
   * A catalogue change made by another replica or shard (or echoed back from this one): keeps
   * the catalogue current, and indexes an added image this process owns by embedding its
   * original.
   */
  async onCatalogRecord(record: ImageRecord): Promise<void> {
    if (record.op === "delete") {
      const known = this.#catalog.get(record.id);
      if (known) this.#forget(known);
      return;
    }
    if (this.#adding.has(record.id) || this.#catalog.has(record.id)) return;
    this.#catalog.set(record.id, record);
    this.#bySha.set(record.sha256, record.id);
    if (!this.#owns(record.id) || !this.#slot.current || this.#building) return; // a re-index picks it up
    await this.#indexStoredUnderCurrent(record);
  }

  /** {@linkcode #indexUnderCurrent} for a catalogued image, read from the object store. */
  async #indexStoredUnderCurrent(record: AddedImage): Promise<void> {
    const bytes = await this.#store.original(record.sha256);
    if (bytes) await this.#indexUnderCurrent(record.id, await decodeImage(bytes));
  }

  /**
   * Embeds `image` with the active version and indexes it as `id`, unless it is indexed already
   * or no longer in the catalogue; if another version becomes active meanwhile, under that one.
   */
  async #indexUnderCurrent(id: string, image: RgbImage): Promise<void> {
    for (let settled = false; !settled && this.#slot.current;) {
      settled = await this.#slot.use(async (active) => {
        if (active.index.has(id) || !this.#catalog.has(id)) return true;
        const [vector] = await this.#embed(active.predictor, [image]);
        if (this.#slot.current !== active) return false;
        if (this.#catalog.has(id) && !active.index.has(id)) this.#index(active, id, vector);
        return true;
      });
    }
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
    const started = performance.now();
    const seq = await this.#store.lastSequence(subject);
    const restored = this.#options.search === "compact" ? await this.#restoreSnapshot(subject) : null;
    const fromSnapshot = restored?.index.size ?? 0;
    const stored = await this.#store.readVectors(subject, restored ? restored.seq + 1 : 1);
    let index: SearchIndex = restored?.index ?? new VectorIndex(predictor.embeddingSize(this.#options.layer));
    const pending = () => [...this.#catalog.values()].filter((r) => this.#owns(r.id) && !index.has(r.id));
    for (const [id, vector] of stored) if (this.#catalog.has(id) && this.#owns(id)) index.add(id, vector);
    const owned = () => [...this.#catalog.keys()].filter((id) => this.#owns(id)).length;
    this.#building = { version, done: index.size, total: owned() };
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
        this.#building = { version, done: index.size, total: owned() };
        await new Promise((resolve) => setTimeout(resolve, 0)); // let searches run between batches
      }
      for (const id of index.ids()) if (!this.#catalog.has(id) || !this.#owns(id)) index.remove(id);
      if (index instanceof VectorIndex && this.#compactDue(index.size, 0)) {
        const exact = index;
        index = await this.#buildCompact(exact, `${name}@${version}`);
        exact.dispose();
      }
    } catch (error) {
      index.dispose();
      throw error;
    } finally {
      this.#building = null;
    }
    let ann: HnswIndex | null = null;
    if (this.#options.search === "approximate") {
      ann = await HnswIndex.create(
        predictor.embeddingSize(this.#options.layer),
        undefined,
        Math.max(1024, index.size * 2),
      );
      for (const id of index.ids()) ann.add(id, index.vector(id)!);
    }
    const entry: VersionIndex = {
      predictor,
      subject,
      index,
      ann,
      compact: {
        fittedAt: index.size,
        sinceSnapshot: index === restored?.index ? stored.size + computed : 0,
        journal: null,
      },
      release: () => entry.index.dispose(),
    };
    this.#slot.swap(entry);
    // Images whose add finished while the index was being completed (after the loop above looked)
    // were indexed under the old version only; they join now.
    for (const record of [...this.#catalog.values()]) {
      if (!this.#owns(record.id) || entry.index.has(record.id)) continue;
      await this.#indexStoredUnderCurrent(record);
    }
    this.#options.log(
      `index ${name}@${version} ${this.#options.layer}: ${index.size} images, ${
        index instanceof CompactIndex ? "compact" : "exact"
      } (${restored ? `snapshot of ${fromSnapshot} + ` : ""}${stored.size} stored, ${computed} embedded in ${
        ((performance.now() - started) / 1000).toFixed(1)
      } s)`,
    );
    if (index instanceof CompactIndex && index !== restored?.index) this.#snapshot(entry, seq);
    else this.#maintainCompact(entry);
  }

  /** Whether an index of `size` should be (re)built compact, last fitted at `fittedAt` (0: exact now). */
  #compactDue(size: number, fittedAt: number): boolean {
    const compact = this.#options.compact;
    if (this.#options.search !== "compact" || !compact) return false;
    return fittedAt === 0 ? size >= compact.from : size >= 2 * fittedAt;
  }

  async #buildCompact(source: SearchIndex, what: string): Promise<CompactIndex> {
    const started = performance.now();
    const ids = source.ids();
    const vectors = ids.map((id) => source.vector(id)!);
    const index = await CompactIndex.build(ids, vectors, this.#options.compact!.settings);
    this.#options.log(
      `compact index of ${what}: ${ids.length} images, ${index.settings.dims} dimensions, ${index.settings.lists} lists, ` +
        `built in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    return index;
  }

  /** The stored snapshot of `subject`, without the images deleted or replaced since; null if none or unreadable. */
  async #restoreSnapshot(subject: string): Promise<{ index: CompactIndex; seq: number } | null> {
    const bytes = await this.#store.indexSnapshot(subject).catch(() => null);
    if (!bytes) return null;
    try {
      const snapshot = decodeIndexSnapshot(bytes);
      for (const id of snapshot.index.ids()) {
        if (this.#catalog.get(id)?.sha256 !== snapshot.shas[id] || !this.#owns(id)) snapshot.index.remove(id);
      }
      return { index: snapshot.index, seq: snapshot.seq };
    } catch (error) {
      this.#options.log(`ignoring the index snapshot of ${subject}: ${(error as Error).message}`);
      return null;
    }
  }

  /**
   * Compact mode upkeep after adds: builds the compact index once the catalogue is large enough,
   * refits it when it has doubled, and stores a new snapshot after many adds — in the background;
   * searches use the current index meanwhile.
   */
  #maintainCompact(entry: VersionIndex): void {
    if (this.#options.search !== "compact" || entry.compact.journal) return;
    const { size } = entry.index;
    const fittedAt = entry.index instanceof CompactIndex ? entry.compact.fittedAt : 0;
    if (this.#compactDue(size, fittedAt)) {
      this.#refit(entry).catch((error) => this.#options.log(`compact refit failed: ${(error as Error).message}`));
    } else if (entry.index instanceof CompactIndex && entry.compact.sinceSnapshot >= Math.max(1000, size / 10)) {
      this.#store.lastSequence(entry.subject).then((seq) => this.#snapshot(entry, seq), () => {});
    }
  }

  async #refit(entry: VersionIndex): Promise<void> {
    entry.compact.journal = [];
    try {
      const seq = await this.#store.lastSequence(entry.subject);
      const built = await this.#buildCompact(entry.index, entry.predictor.version);
      for (const [id, vector] of entry.compact.journal) vector ? built.add(id, vector) : built.remove(id);
      const previous = entry.index;
      entry.index = built;
      entry.compact.fittedAt = built.size;
      previous.dispose();
      if (this.#slot.current === entry) this.#snapshot(entry, seq);
    } finally {
      entry.compact.journal = null;
    }
  }

  /** Stores the entry's compact index (covering the embeddings up to stream sequence `seq`), in the background. */
  #snapshot(entry: VersionIndex, seq: number): void {
    const index = entry.index;
    if (!(index instanceof CompactIndex)) return;
    const shas: Record<string, string> = {};
    for (const id of index.ids()) shas[id] = this.#catalog.get(id)?.sha256 ?? "";
    const bytes = encodeIndexSnapshot({ subject: entry.subject, seq, shas }, index);
    entry.compact.sinceSnapshot = 0;
    this.#store.putIndexSnapshot(entry.subject, bytes).then(
      () =>
        this.#options.log(
          `index snapshot of ${entry.subject}: ${index.size} images, ${(bytes.length / 2 ** 20).toFixed(1)} MiB`,
        ),
      (error) => this.#options.log(`index snapshot of ${entry.subject} not stored: ${(error as Error).message}`),
    );
  }

  /** Frees the model and index (once searches in flight end). */
  close(): void {
    this.#slot.close();
  }
}
