/**
 * The retrieval catalogue in memory: every added image not deleted since, by id and by content
 * hash (identical bytes are stored once), which of them this shard owns, and the ids this process
 * is adding right now (their records also come back from the catalogue subject).
 *
 * @module
 */
import type { AddedImage } from "../../shared/bus/mod.ts";
import { shardOf, type ShardSpec } from "./shards.ts";

/**
 * @example
 * ```ts
 * const catalogue = new Catalogue(await store.readCatalog(), { index: 0, count: 2 });
 * if (catalogue.owns("cat-1")) index.add("cat-1", vector);
 * ```
 */
export class Catalogue {
  readonly #records: Map<string, AddedImage>;
  readonly #bySha = new Map<string, string>();
  readonly #shard: ShardSpec | undefined;
  /** Ids this process is adding now. */
  readonly adding = new Set<string>();

  constructor(records: Map<string, AddedImage>, shard?: ShardSpec) {
    this.#records = records;
    this.#shard = shard;
    for (const record of records.values()) this.#bySha.set(record.sha256, record.id);
  }

  get size(): number {
    return this.#records.size;
  }

  get(id: string): AddedImage | undefined {
    return this.#records.get(id);
  }

  has(id: string): boolean {
    return this.#records.has(id);
  }

  /** The id already holding these bytes, if any. */
  idOfSha(sha256: string): string | undefined {
    return this.#bySha.get(sha256);
  }

  records(): AddedImage[] {
    return [...this.#records.values()];
  }

  put(record: AddedImage): void {
    this.#records.set(record.id, record);
    this.#bySha.set(record.sha256, record.id);
  }

  /** Removes `id`; returns its record, if it was there. */
  remove(id: string): AddedImage | undefined {
    const record = this.#records.get(id);
    if (!record) return undefined;
    this.#records.delete(id);
    this.#bySha.delete(record.sha256);
    return record;
  }

  /** Whether this process indexes `id` (always, unless sharded). */
  owns(id: string): boolean {
    return !this.#shard || shardOf(id, this.#shard.count) === this.#shard.index;
  }

  /** How many catalogued images this process indexes. */
  ownedCount(): number {
    return [...this.#records.keys()].filter((id) => this.owns(id)).length;
  }
}
