/**
 * The retrieval service's state: the catalogue of indexed images (`catalogue.ts`), the active
 * model version — its predictor and its in-memory index, served together from one hot-swap slot
 * (`version_index.ts`) — and a background re-indexing when a new version is adopted
 * (`version_builder.ts`; compact mode's upkeep in `compact_upkeep.ts`). Searches use the active
 * index until the new one is complete, then switch at once; a search in flight keeps the
 * predictor and index it started with until it ends. Embeddings are stored per model version, so
 * returning to an earlier version re-reads instead of recomputing.
 *
 * @module
 */
import type { AddedImage, ImageRecord } from "../../shared/bus/mod.ts";
import { sha256Hex } from "../../shared/checkpoint/mod.ts";
import { RequestError } from "../../shared/http/mod.ts";
import { decodeImage, decodeImageWithin, type RgbImage } from "../../shared/image/mod.ts";
import type { EmbeddingLayer } from "../../shared/model/mod.ts";
import { type Predictor, PredictorSlot } from "../../shared/predictor/mod.ts";
import { Catalogue } from "./catalogue.ts";
import { CompactIndex } from "./compact/compact_index.ts";
import { type CompactOptions, CompactUpkeep, type TunedRecall } from "./compact_upkeep.ts";
import type { ImageLibrary } from "./image_library.ts";
import type { Gathered, ScatterQuery, ShardPart } from "./shard_search.ts";
import { shardName, type ShardSpec } from "./shards.ts";
import { thumbnailJpeg } from "./thumbnail.ts";
import {
  exactNeighbours,
  LiveRecall,
  measureRecall,
  RECALL_K,
  recallOf,
  type RecallReport,
  sampleIds,
} from "./recall_check.ts";
import { l2Normalize, type Neighbour } from "./vector_index.ts";
import { buildVersionIndex, type BuiltVersion } from "./version_builder.ts";
import { indexVector, unindexVector, type VersionIndex } from "./version_index.ts";

export type { CompactOptions } from "./compact_upkeep.ts";

/** How searches run: exact cosine, HNSW, or the compact index (PCA + int8 inverted file, re-ranked). */
export type SearchMode = "exact" | "approximate" | "compact";

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
  /** One search in this many is checked against exact search in the background (default 20; 0: none). */
  liveRecallEvery?: number;
  log: (line: string) => void;
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
  /**
   * The searching index's recall@10 against exact search: measured when it was built or refitted (on images held
   * out of the fit), and over the last live queries checked in the background. Null without a model.
   */
  recall: { build: RecallReport | null; live: { recallAt10: number; queries: number } | null } | null;
}

/** A search by example (image bytes) or by a catalogued image (left out of the results). */
type Query = { bytes: Uint8Array } | { id: string };

const noModel = () => new RequestError(503, "no_model", "no model is loaded yet; retry shortly", 1);

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
  readonly #catalogue: Catalogue;
  readonly #slot = new PredictorSlot<VersionIndex>();
  readonly #upkeep: CompactUpkeep;
  #building: { version: string; done: number; total: number } | null = null;
  readonly #live = new LiveRecall();
  #searches = 0;
  /** How many images were embedded by a model (not read back from the stream). */
  embeddedCount = 0;
  /** Checkpoints refused (signature, digests, format) instead of used. */
  checkpointsRefused = 0;

  private constructor(store: ImageLibrary, options: RetrievalOptions, catalog: Map<string, AddedImage>) {
    this.#store = store;
    this.#options = options;
    this.#catalogue = new Catalogue(catalog, options.shard);
    this.#upkeep = new CompactUpkeep({
      store,
      catalogue: this.#catalogue,
      compact: options.search === "compact" ? options.compact : undefined,
      isServed: (entry) => this.#slot.current === entry,
      refitted: (entry, tuned) => this.#measureRecall(entry, tuned),
      log: options.log,
    });
  }

  /** Replays the catalog from JetStream. */
  static async open(store: ImageLibrary, options: RetrievalOptions): Promise<RetrievalLibrary> {
    return new RetrievalLibrary(store, options, await store.readCatalog());
  }

  /** "I/N", or "0/1" when not sharded. */
  get shardName(): string {
    return shardName(this.#options.shard ?? { index: 0, count: 1 });
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
      images: this.#catalogue.size,
      indexed: active?.index.size ?? 0,
      shard: this.#options.shard ? shardName(this.#options.shard) : null,
      reindexing: this.#building ? { ...this.#building } : null,
      recall: active ? { build: active.recall, live: this.#live.report() } : null,
    };
  }

  record(id: string): AddedImage | undefined {
    return this.#catalogue.get(id);
  }

  async original(id: string): Promise<Uint8Array | null> {
    const record = this.#catalogue.get(id);
    return record ? await this.#store.original(record.sha256) : null;
  }

  async thumbnail(id: string): Promise<Uint8Array | null> {
    const record = this.#catalogue.get(id);
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
    const existing = this.#catalogue.idOfSha(sha256);
    if (existing) return { id: existing, duplicate: true };
    const id = options.id ?? sha256.slice(0, 16);
    if (!/^[A-Za-z0-9._-]{1,128}$/.test(id)) {
      throw new RequestError(400, "invalid_id", "id may hold letters, digits, '.', '_' and '-' (at most 128)");
    }
    if (this.#catalogue.has(id)) throw new RequestError(409, "id_taken", `id ${id} already names another image`);
    if (!this.#slot.current) throw noModel();
    this.#catalogue.adding.add(id);
    try {
      return await this.#slot.use((active) => this.#addWith(active, bytes, sha256, id, options.metadata ?? {}));
    } finally {
      this.#catalogue.adding.delete(id);
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
    this.#catalogue.put(record);
    if (this.#catalogue.owns(id)) {
      // A newer version may have been adopted while we awaited, after its re-index had looked
      // for missing images: then this image is embedded again, under that version.
      if (this.#slot.current === active) this.#index(active, id, vector);
      else await this.#indexUnderCurrent(id, image);
    }
    return { id, duplicate: false };
  }

  /** Deletes `id` (persisted); returns whether it existed. */
  async delete(id: string): Promise<boolean> {
    if (!this.#catalogue.has(id)) return false;
    await this.#store.appendRecord({
      schema: "alexnet.images.record/v1",
      op: "delete",
      id,
      createdAt: new Date().toISOString(),
    });
    this.#forget(id);
    return true;
  }

  /** Indexes `id` in `active`, then keeps compact mode's upkeep. */
  #index(active: VersionIndex, id: string, vector: Float32Array): void {
    indexVector(active, id, vector);
    this.#upkeep.maintain(active);
  }

  /** Drops a deleted image from the catalogue and the active index. */
  #forget(id: string): void {
    this.#catalogue.remove(id);
    const active = this.#slot.current;
    if (active) unindexVector(active, id);
  }

  /** The `k` nearest images to image bytes, or to a stored image (which is left out). */
  async search(query: Query, k: number): Promise<SearchHit[]> {
    return (await this.searchAnswer(query, k)).results;
  }

  /** {@linkcode search} with, when sharded, how many shards answered. */
  async searchAnswer(query: Query, k: number): Promise<SearchAnswer> {
    if (!this.#slot.current) throw noModel();
    return await this.#slot.use((active) => this.#searchWith(active, query, k));
  }

  async #searchWith(active: VersionIndex, query: Query, k: number): Promise<SearchAnswer> {
    const { vector, exclude } = await this.#queryVector(active, query);
    const scatter = this.#options.scatter;
    let gathered: Gathered | null = null;
    if (scatter) {
      gathered = await scatter({ vector, k, exclude: [...exclude], version: active.predictor.version });
    }
    const hits = gathered?.hits ?? await this.#searchIndex(active, vector, k, exclude);
    if (!gathered) this.#maybeCheckLive(active, { vector, exclude, k }, hits);
    return {
      results: hits.map((hit) => ({ ...hit, metadata: this.#catalogue.get(hit.id)?.metadata ?? {} })),
      partial: gathered ? gathered.answered < gathered.total : false,
      ...(gathered ? { shards: { answered: gathered.answered, total: gathered.total } } : {}),
    };
  }

  async #searchIndex(active: VersionIndex, vector: Float32Array, k: number, exclude: ReadonlySet<string>) {
    return active.ann ? active.ann.search(vector, k, exclude) : await active.index.search(vector, k, exclude);
  }

  /** The embedding to search with: the image's, or a stored image's (left out of the results). */
  async #queryVector(active: VersionIndex, query: Query) {
    if (!("id" in query)) {
      const image = await decodeImageWithin(query.bytes, this.#options.maxPixels);
      return { vector: (await this.#embed(active.predictor, [image]))[0], exclude: new Set<string>() };
    }
    const exclude = new Set([query.id]);
    const stored = active.index.vector(query.id);
    if (stored) return { vector: stored, exclude };
    // Sharded: another shard indexes it; embed the stored original here.
    const record = this.#options.shard ? this.#catalogue.get(query.id) : undefined;
    const bytes = record ? await this.#store.original(record.sha256) : null;
    if (!bytes) throw new RequestError(404, "not_found", `no image with id ${query.id}`);
    return { vector: (await this.#embed(active.predictor, [await decodeImage(bytes)]))[0], exclude };
  }

  /** This shard's part of a search under model `version` (another version's scores would not compare). */
  async searchPart(vector: Float32Array, k: number, exclude: ReadonlySet<string>, version: string) {
    if (!this.#slot.current) throw noModel();
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
      if (this.#catalogue.has(record.id)) this.#forget(record.id);
      return;
    }
    if (this.#catalogue.adding.has(record.id) || this.#catalogue.has(record.id)) return;
    this.#catalogue.put(record);
    if (!this.#catalogue.owns(record.id) || !this.#slot.current || this.#building) return; // a re-index picks it up
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
        if (active.index.has(id) || !this.#catalogue.has(id)) return true;
        const [vector] = await this.#embed(active.predictor, [image]);
        if (this.#slot.current !== active) return false;
        if (this.#catalogue.has(id) && !active.index.has(id)) this.#index(active, id, vector);
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
    const started = performance.now();
    let built: BuiltVersion;
    try {
      built = await buildVersionIndex({
        store: this.#store,
        catalogue: this.#catalogue,
        upkeep: this.#upkeep,
        layer: this.#options.layer,
        approximate: this.#options.search === "approximate",
        embed: (p, images) => this.#embed(p, images),
        progress: (done, total) => (this.#building = { version: predictor.version, done, total }),
      }, predictor);
    } catch (error) {
      predictor.dispose();
      throw error;
    } finally {
      this.#building = null;
    }
    const { entry } = built;
    this.#slot.swap(entry);
    this.#live.clear();
    // Images whose add finished while the index was being completed (after the builder looked)
    // were indexed under the old version only; they join now.
    for (const record of this.#catalogue.records()) {
      if (!this.#catalogue.owns(record.id) || entry.index.has(record.id)) continue;
      await this.#indexStoredUnderCurrent(record);
    }
    this.#logBuilt(built, performance.now() - started);
    this.#measureRecall(entry, built.tuned);
    if (entry.index instanceof CompactIndex && entry.index !== built.restored?.index) {
      this.#upkeep.snapshot(entry, built.seq);
    } else this.#upkeep.maintain(entry);
  }

  #logBuilt({ entry, restored, fromSnapshot, stored, computed }: BuiltVersion, ms: number): void {
    const { name, version } = entry.predictor;
    const kind = entry.index instanceof CompactIndex ? "compact" : "exact";
    this.#options.log(
      `index ${name}@${version} ${this.#options.layer}: ${entry.index.size} images, ${kind} (${
        restored ? `snapshot of ${fromSnapshot} + ` : ""
      }${stored} stored, ${computed} embedded in ${(ms / 1000).toFixed(1)} s)`,
    );
  }

  /** Whether `entry` searches approximately (compact or HNSW), so its recall can fall short of 1. */
  #approximate(entry: VersionIndex): boolean {
    return entry.ann !== null || entry.index instanceof CompactIndex;
  }

  /**
   * Measures the entry's recall@10 in the background: on the images held out of its fit, else (a restored
   * snapshot) on a sample of its own; exact search is 1 by construction. `tuned` is the recall a build's
   * tuning already measured on held-out images that took no part in choosing: reported, not measured again.
   */
  #measureRecall(entry: VersionIndex, tuned: TunedRecall | null = null): void {
    if (!this.#approximate(entry)) {
      const at = new Date().toISOString();
      entry.recall = { recallAt10: 1, queries: 0, over: entry.index.size, measuredAt: at, basis: "exact" };
      return;
    }
    const heldOut = entry.compact.heldOut.length > 0;
    const ids = heldOut ? entry.compact.heldOut : sampleIds(entry.index.ids(), 50);
    const index = entry.index;
    const started = performance.now();
    const measured = tuned !== null && heldOut
      ? Promise.resolve(tuned)
      : measureRecall(index, (v, k, ex) => this.#searchIndex(entry, v, k, ex), ids)
        .then((recallAt10) => ({ recallAt10, queries: ids.length }));
    measured.then(({ recallAt10, queries }) => {
      if (entry.index !== index) return; // refitted meanwhile: that one is measured instead
      const basis = heldOut ? "held-out" : "sample";
      entry.recall = { recallAt10, queries, over: index.size, measuredAt: new Date().toISOString(), basis };
      if (this.#slot.current === entry) this.#live.clear();
      const how = tuned !== null && heldOut ? "while tuning" : `${((performance.now() - started) / 1000).toFixed(1)} s`;
      this.#options.log(
        `recall@10 of ${entry.predictor.name}@${entry.predictor.version}: ${recallAt10.toFixed(3)} on ${queries} ` +
          `${
            heldOut ? "images held out of the fit" : "sampled images"
          }, against exact search over ${index.size} (${how})`,
      );
    }, (error) => this.#options.log(`recall not measured: ${(error as Error).message}`));
  }

  /** One search in `liveRecallEvery`: its answer checked against exact search, after it was sent. */
  #maybeCheckLive(
    entry: VersionIndex,
    query: { vector: Float32Array; exclude: ReadonlySet<string>; k: number },
    hits: Neighbour[],
  ): void {
    const every = this.#options.liveRecallEvery ?? 20;
    if (every <= 0 || !this.#approximate(entry) || ++this.#searches % every !== 0) return;
    const k = Math.min(RECALL_K, query.k);
    setTimeout(async () => {
      if (this.#slot.current !== entry) return;
      try {
        const [truth] = await exactNeighbours(entry.index, [query], k);
        this.#live.record(recallOf(hits, truth, k));
      } catch (error) {
        this.#options.log(`live recall check failed: ${(error as Error).message}`);
      }
    }, 0);
  }

  /** Frees the model and index (once searches in flight end). */
  close(): void {
    this.#slot.close();
  }
}
