/**
 * Compact mode's upkeep of a version's index: build the compact index once the catalogue reaches
 * its threshold, refit it when the catalogue has doubled (adds and deletes made meanwhile are
 * replayed from a journal), store a snapshot in the object store after a build and after many
 * adds, and restore that snapshot on a restart (minus the images deleted or replaced since). All
 * in the background: searches use the current index meanwhile.
 *
 * @module
 */
import type { Catalogue } from "./catalogue.ts";
import { CompactIndex, type CompactSettings } from "./compact/compact_index.ts";
import type { ImageLibrary } from "./image_library.ts";
import { decodeIndexSnapshot, encodeIndexSnapshot } from "./index_snapshot.ts";
import { buildForTarget, heldOutIds, type Tuning } from "./recall_target.ts";
import type { SearchIndex } from "./vector_index.ts";
import type { VersionIndex } from "./version_index.ts";

/** The recall@10 a build's tuning measured on held-out images that took no part in choosing, and how many. */
export type TunedRecall = Tuning["checked"];

/** Compact mode's settings. */
export interface CompactOptions {
  settings: CompactSettings;
  /** Catalogues smaller than this are searched exactly (default 5,000). */
  from: number;
  /**
   * recall@10 each build is tuned to meet (`--target-recall`, default 0.95; unset or 0: the settings as given):
   * the search settings are tried on the held-out images, then, if none meets it, one rebuild with twice the
   * dimensions (at most 512).
   */
  targetRecall?: number;
}

/** What the upkeep needs. */
export interface CompactUpkeepDeps {
  store: ImageLibrary;
  catalogue: Catalogue;
  /** Unset: not compact mode (nothing to keep). */
  compact: CompactOptions | undefined;
  /** Whether `entry` is still the version being served (a refit of a replaced one is not stored). */
  isServed: (entry: VersionIndex) => boolean;
  /** Called after a refit replaced the entry's index, with its recall if tuning measured it (else null). */
  refitted: (entry: VersionIndex, tuned: TunedRecall | null) => void;
  log: (line: string) => void;
}

/**
 * @example
 * ```ts
 * const upkeep = new CompactUpkeep({ store, catalogue, compact, isServed: (e) => slot.current === e, log });
 * upkeep.maintain(entry); // after adds
 * ```
 */
export class CompactUpkeep {
  readonly #deps: CompactUpkeepDeps;

  constructor(deps: CompactUpkeepDeps) {
    this.#deps = deps;
  }

  /** Whether an index of `size` should be (re)built compact, last fitted at `fittedAt` (0: exact now). */
  due(size: number, fittedAt: number): boolean {
    const compact = this.#deps.compact;
    if (!compact) return false;
    return fittedAt === 0 ? size >= compact.from : size >= 2 * fittedAt;
  }

  /**
   * A compact index of every vector of `source`, fitted on all but a few held out of it (the recall
   * probes, {@linkcode heldOutIds}, returned) and, with a recall target, tuned to meet it; `tuned` is the chosen setting's
   * recall on the held-out images (null when not tuned).
   */
  async build(
    source: SearchIndex,
    what: string,
  ): Promise<{ index: CompactIndex; heldOut: string[]; tuned: TunedRecall | null }> {
    const ids = source.ids();
    const heldOut = heldOutIds(ids);
    const { settings, targetRecall } = this.#deps.compact!;
    const { index, tuning } = await buildForTarget(source, heldOut, settings, targetRecall, this.#deps.log, what);
    return { index, heldOut, tuned: tuning?.checked ?? null };
  }

  /** The stored snapshot of `subject`, without the images deleted or replaced since; null if none or unreadable. */
  async restore(subject: string): Promise<{ index: CompactIndex; seq: number } | null> {
    if (!this.#deps.compact) return null;
    const bytes = await this.#deps.store.indexSnapshot(subject).catch(() => null);
    if (!bytes) return null;
    const { catalogue } = this.#deps;
    try {
      const snapshot = decodeIndexSnapshot(bytes);
      for (const id of snapshot.index.ids()) {
        if (catalogue.get(id)?.sha256 !== snapshot.shas[id] || !catalogue.owns(id)) snapshot.index.remove(id);
      }
      return { index: snapshot.index, seq: snapshot.seq };
    } catch (error) {
      this.#deps.log(`ignoring the index snapshot of ${subject}: ${(error as Error).message}`);
      return null;
    }
  }

  /**
   * After adds: builds the compact index once the catalogue is large enough, refits it when it
   * has doubled, stores a new snapshot after many adds.
   */
  maintain(entry: VersionIndex): void {
    if (!this.#deps.compact || entry.compact.journal) return;
    const { size } = entry.index;
    const fittedAt = entry.index instanceof CompactIndex ? entry.compact.fittedAt : 0;
    if (this.due(size, fittedAt)) {
      this.#refit(entry).catch((error) => this.#deps.log(`compact refit failed: ${(error as Error).message}`));
    } else if (entry.index instanceof CompactIndex && entry.compact.sinceSnapshot >= Math.max(1000, size / 10)) {
      this.#deps.store.lastSequence(entry.subject).then((seq) => this.snapshot(entry, seq), () => {});
    }
  }

  async #refit(entry: VersionIndex): Promise<void> {
    entry.compact.journal = [];
    try {
      const seq = await this.#deps.store.lastSequence(entry.subject);
      const { index: built, heldOut, tuned } = await this.build(entry.index, entry.predictor.version);
      for (const [id, vector] of entry.compact.journal) vector ? built.add(id, vector) : built.remove(id);
      const previous = entry.index;
      entry.index = built;
      entry.compact.fittedAt = built.size;
      entry.compact.heldOut = heldOut;
      previous.dispose();
      this.#deps.refitted(entry, tuned);
      if (this.#deps.isServed(entry)) this.snapshot(entry, seq);
    } finally {
      entry.compact.journal = null;
    }
  }

  /** Stores the entry's compact index (covering the embeddings up to stream sequence `seq`), in the background. */
  snapshot(entry: VersionIndex, seq: number): void {
    const index = entry.index;
    if (!(index instanceof CompactIndex)) return;
    const shas: Record<string, string> = {};
    for (const id of index.ids()) shas[id] = this.#deps.catalogue.get(id)?.sha256 ?? "";
    const bytes = encodeIndexSnapshot({ subject: entry.subject, seq, shas }, index);
    entry.compact.sinceSnapshot = 0;
    const { log } = this.#deps;
    this.#deps.store.putIndexSnapshot(entry.subject, bytes).then(
      () => log(`index snapshot of ${entry.subject}: ${index.size} images, ${(bytes.length / 2 ** 20).toFixed(1)} MiB`),
      (error) => log(`index snapshot of ${entry.subject} not stored: ${(error as Error).message}`),
    );
  }
}
