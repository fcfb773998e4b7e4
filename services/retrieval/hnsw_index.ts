/**
 * Approximate nearest-neighbour search with HNSW (Malkov & Yashunin 2018) through
 * `hnswlib-wasm`, the WebAssembly build of the reference hnswlib. It is built for browsers;
 * under Deno it runs once `window` exists (its Emscripten start-up only checks for a web
 * environment), which this module provides before loading it.
 *
 * @module
 */
import type { Neighbour } from "./vector_index.ts";

type HnswLib = Awaited<ReturnType<typeof import("hnswlib-wasm")["loadHnswlib"]>>;
type Hnsw = InstanceType<HnswLib["HierarchicalNSW"]>;

let library: Promise<HnswLib> | null = null;

function loadLibrary(): Promise<HnswLib> {
  // deno-lint-ignore no-explicit-any
  (globalThis as any).window ??= globalThis;
  library ??= import("hnswlib-wasm").then((m) => m.loadHnswlib());
  return library;
}

/** HNSW build and search settings. */
export interface HnswSettings {
  /** Links per node (hnswlib's M). */
  m: number;
  efConstruction: number;
  efSearch: number;
}

/** hnswlib's usual defaults, with a wider search beam. */
export const DEFAULT_HNSW: HnswSettings = { m: 16, efConstruction: 200, efSearch: 64 };

/**
 * @example
 * ```ts
 * const ann = await HnswIndex.create(4096);
 * ann.add("cat.1", fc7);
 * ann.search(query, 10);
 * ```
 */
export class HnswIndex {
  readonly dimension: number;
  readonly #index: Hnsw;
  readonly #labelOf = new Map<string, number>();
  readonly #idOf = new Map<number, string>();
  #capacity: number;
  #next = 0;

  private constructor(index: Hnsw, dimension: number, capacity: number) {
    this.#index = index;
    this.dimension = dimension;
    this.#capacity = capacity;
  }

  static async create(dimension: number, settings: HnswSettings = DEFAULT_HNSW, capacity = 1024): Promise<HnswIndex> {
    const lib = await loadLibrary();
    const index = new lib.HierarchicalNSW("cosine", dimension, "");
    index.initIndex(capacity, settings.m, settings.efConstruction, 100);
    index.setEfSearch(settings.efSearch);
    return new HnswIndex(index, dimension, capacity);
  }

  get size(): number {
    return this.#labelOf.size;
  }

  /** Adds (or replaces) `id`. */
  add(id: string, vector: ArrayLike<number>): void {
    this.remove(id);
    if (this.#next >= this.#capacity) {
      this.#capacity *= 2;
      this.#index.resizeIndex(this.#capacity);
    }
    const label = this.#next++;
    this.#index.addPoint(Float32Array.from(vector), label, false);
    this.#labelOf.set(id, label);
    this.#idOf.set(label, id);
  }

  remove(id: string): boolean {
    const label = this.#labelOf.get(id);
    if (label === undefined) return false;
    this.#index.markDelete(label);
    this.#labelOf.delete(id);
    this.#idOf.delete(label);
    return true;
  }

  /** The approximately `k` nearest, best first; score = cosine similarity. */
  search(query: ArrayLike<number>, k: number, exclude: ReadonlySet<string> = new Set()): Neighbour[] {
    const want = Math.min(this.size, k + exclude.size);
    if (want === 0) return [];
    const { neighbors, distances } = this.#index.searchKnn(Float32Array.from(query), want, undefined);
    const hits: Neighbour[] = [];
    neighbors.forEach((label: number, i: number) => {
      const id = this.#idOf.get(label);
      if (id !== undefined && !exclude.has(id) && hits.length < k) hits.push({ id, score: 1 - distances[i] });
    });
    return hits;
  }
}
