/**
 * One WebAssembly memory holding the data the SIMD kernels read (`simd_kernels.ts`), carved
 * into regions that grow and shrink as inverted lists do. A region that outgrows its place
 * moves to the end; when the holes left behind reach a quarter of the memory, the live regions
 * are packed down instead of growing the memory further. Regions are objects whose `offset`
 * the arena updates when it moves them, so take typed views only after the last allocation
 * (a grown memory also detaches every earlier view).
 *
 * @module
 */
import { type SimdKernelExports, simdKernels } from "./simd_kernels.ts";

/** A place in the arena: `bytes` long from `offset` (16-byte aligned). */
export interface ArenaRegion {
  readonly offset: number;
  readonly bytes: number;
}

interface MutableRegion {
  offset: number;
  bytes: number;
}

const PAGE = 65536;
const align = (n: number) => (n + 15) & ~15;

/**
 * @example
 * ```ts
 * const arena = new WasmArena();
 * const codes = arena.alloc(2 * 16), query = arena.alloc(16 * 2), out = arena.alloc(2 * 4);
 * arena.int8(codes).set([1, 2]);
 * arena.int16(query).set([3, 4]);
 * arena.dotInt8(codes, 2, 16, query, out); // Int32Array [11, 0]
 * ```
 */
export class WasmArena {
  readonly #kernels: SimdKernelExports;
  readonly #regions = new Set<MutableRegion>();
  #top = 0;
  #holes = 0;

  constructor() {
    this.#kernels = new WebAssembly.Instance(simdKernels).exports as unknown as SimdKernelExports;
  }

  /** Bytes the live regions take. */
  get liveBytes(): number {
    return this.#top - this.#holes;
  }

  /** The memory's size: live regions, holes and room to grow. */
  get memoryBytes(): number {
    return this.#capacity();
  }

  /** A new zero-filled region of `bytes`. */
  alloc(bytes: number): ArenaRegion {
    const region: MutableRegion = { offset: this.#reserve(align(bytes)), bytes: align(bytes) };
    this.#bytes().fill(0, region.offset, region.offset + region.bytes);
    this.#regions.add(region);
    return region;
  }

  /** Grows `region` to hold `bytes`, contents kept (a size it already holds changes nothing); it may move. */
  resize(handle: ArenaRegion, bytes: number): void {
    const region = this.#own(handle), size = align(bytes);
    if (size <= region.bytes) return;
    if (region.offset + region.bytes === this.#top && this.#top + size - region.bytes <= this.#capacity()) {
      this.#bytes().fill(0, region.offset + region.bytes, region.offset + size);
      this.#top += size - region.bytes;
      region.bytes = size;
      return;
    }
    this.#regions.delete(region); // not packed while its copy is made
    const offset = this.#reserve(size, region);
    const memory = this.#bytes();
    memory.copyWithin(offset, region.offset, region.offset + region.bytes);
    memory.fill(0, offset + region.bytes, offset + size);
    this.#holes += region.bytes;
    region.offset = offset;
    region.bytes = size;
    this.#regions.add(region);
  }

  /** Returns `region`'s bytes to the arena. */
  free(handle: ArenaRegion): void {
    const region = this.#own(handle);
    this.#regions.delete(region);
    this.#holes += region.bytes;
  }

  int8(r: ArenaRegion): Int8Array {
    return new Int8Array(this.#kernels.memory.buffer, r.offset, r.bytes);
  }

  int16(r: ArenaRegion): Int16Array {
    return new Int16Array(this.#kernels.memory.buffer, r.offset, r.bytes >> 1);
  }

  uint16(r: ArenaRegion): Uint16Array {
    return new Uint16Array(this.#kernels.memory.buffer, r.offset, r.bytes >> 1);
  }

  int32(r: ArenaRegion): Int32Array {
    return new Int32Array(this.#kernels.memory.buffer, r.offset, r.bytes >> 2);
  }

  float32(r: ArenaRegion): Float32Array {
    return new Float32Array(this.#kernels.memory.buffer, r.offset, r.bytes >> 2);
  }

  /**
   * `rows` int32 sums `Σ_j codes[r·stride + j] · query[j]` (int8 × int16) into `out`, returned
   * as a view; `stride` is in bytes, a multiple of 16, and the query holds `stride` int16s.
   */
  dotInt8(codes: ArenaRegion, rows: number, stride: number, query: ArenaRegion, out: ArenaRegion): Int32Array {
    if (stride % 16 !== 0) throw new RangeError("dotInt8 needs a stride that is a multiple of 16");
    this.#fits(codes, rows * stride, query, stride * 2, out, rows * 4);
    this.#kernels.dot_i8(codes.offset, rows, stride, query.offset, out.offset);
    return new Int32Array(this.#kernels.memory.buffer, out.offset, rows);
  }

  /**
   * `rows` float32 dot products of `matrix`'s rows from row `first` (`stride` floats apart, a
   * multiple of 4) with `vector` into `out`, returned as a view.
   */
  dotFloat32(
    matrix: ArenaRegion,
    rows: number,
    stride: number,
    vector: ArenaRegion,
    out: ArenaRegion,
    first = 0,
  ): Float32Array {
    if (stride % 4 !== 0) throw new RangeError("dotFloat32 needs a stride that is a multiple of 4");
    this.#fits(matrix, (first + rows) * stride * 4, vector, stride * 4, out, rows * 4);
    this.#kernels.dot_f32(matrix.offset + first * stride * 4, rows, stride, vector.offset, out.offset);
    return new Float32Array(this.#kernels.memory.buffer, out.offset, rows);
  }

  /**
   * `rows` dot products of float16 rows (bits, `stride` apart, a multiple of 8) with a float32
   * `vector` into `out`, in float32, returned as a view.
   */
  dotFloat16(matrix: ArenaRegion, rows: number, stride: number, vector: ArenaRegion, out: ArenaRegion): Float32Array {
    if (stride % 8 !== 0) throw new RangeError("dotFloat16 needs a stride that is a multiple of 8");
    this.#fits(matrix, rows * stride * 2, vector, stride * 4, out, rows * 4);
    this.#kernels.dot_f16(matrix.offset, rows, stride, vector.offset, out.offset);
    return new Float32Array(this.#kernels.memory.buffer, out.offset, rows);
  }

  #own(handle: ArenaRegion): MutableRegion {
    const region = handle as MutableRegion;
    if (!this.#regions.has(region)) throw new Error("not a live region of this arena");
    return region;
  }

  #fits(...pairs: (ArenaRegion | number)[]): void {
    for (let i = 0; i < pairs.length; i += 2) {
      const region = pairs[i] as ArenaRegion, bytes = pairs[i + 1] as number;
      if (bytes > region.bytes) {
        throw new RangeError(`a kernel would read ${bytes} bytes of a ${region.bytes}-byte region`);
      }
    }
  }

  #bytes(): Uint8Array {
    return new Uint8Array(this.#kernels.memory.buffer);
  }

  #capacity(): number {
    return this.#kernels.memory.buffer.byteLength;
  }

  /** An offset with `size` free bytes after it: packs the live regions or grows the memory if needed. */
  #reserve(size: number, moving?: MutableRegion): number {
    if (this.#top + size > this.#capacity() && this.#holes >= this.#capacity() / 4) this.#pack(moving);
    if (this.#top + size > this.#capacity()) {
      const wanted = Math.max(this.#top + size, this.#capacity() * 1.25);
      this.#kernels.memory.grow(Math.ceil((wanted - this.#capacity()) / PAGE));
    }
    const offset = this.#top;
    this.#top += size;
    return offset;
  }

  /** Moves every live region (and `moving`, not in the set while it moves) down over the holes. */
  #pack(moving?: MutableRegion): void {
    const regions = [...this.#regions, ...(moving ? [moving] : [])].sort((a, b) => a.offset - b.offset);
    const memory = this.#bytes();
    let top = 0;
    for (const region of regions) {
      if (region.offset !== top) memory.copyWithin(top, region.offset, region.offset + region.bytes);
      region.offset = top;
      top += region.bytes;
    }
    this.#holes = 0; // a moving region's packed place becomes a hole once its caller has copied it
    this.#top = top;
  }
}
