/**
 * oneDNN (Intel's deep-learning primitives, the CPU library under PyTorch and TensorFlow; Debian's
 * `libdnnl2`, 2.6) opened through Deno's FFI: the C API's calls this project uses, typed, and
 * the few helpers every primitive needs — memory descriptors, primitive descriptors, memory
 * objects over caller-owned buffers, execution on one CPU stream. oneDNN runs each primitive on
 * every core with its own OpenMP threads.
 *
 * Descriptors are opaque to this code: they are filled and read only by the library, in buffers
 * sized from the 2.6 headers (`sizeof(dnnl_memory_desc_t)` 696 bytes, `dnnl_convolution_desc_t`
 * 5,976, `dnnl_pooling_v2_desc_t` 3,288; a larger buffer is harmless). Enum values are those of `dnnl_types.h` 2.6.
 *
 * @module
 */

/** Values from `dnnl_types.h` (oneDNN 2.6). */
export const DNNL = {
  cpu: 1,
  f32: 3,
  /** Format tags: `any` lets a primitive choose; `a` 1-D; `acdb` NHWC; `cdba` TF.js's `[kh,kw,in,out]`. */
  tag: { any: 1, a: 2, ab: 3, ba: 22, acdb: 20, cdba: 30 },
  prop: { forwardTraining: 64, forwardInference: 96, backwardData: 160, backwardWeights: 192 },
  alg: { convolutionDirect: 0x1, eltwiseRelu: 0x1f, poolingMax: 0x1ff, lrnAcrossChannels: 0xaff },
  query: {
    implInfo: 8,
    srcMd: 129,
    diffSrcMd: 130,
    weightsMd: 131,
    diffWeightsMd: 132,
    dstMd: 133,
    diffDstMd: 134,
    workspaceMd: 135,
  },
  arg: {
    src: 1,
    dst: 17,
    weights: 33,
    bias: 41,
    workspace: 64,
    diffSrc: 129,
    diffDst: 145,
    diffWeights: 161,
    diffBias: 169,
  },
  streamDefault: 1,
} as const;

const MEMORY_DESC_BYTES = 696;
/** Large enough for every operation descriptor used here (convolution: 5,976 bytes). */
export const OP_DESC_BYTES = 8192;
const MAX_NDIMS = 12;

const SYMBOLS = {
  dnnl_engine_create: { parameters: ["buffer", "i32", "usize"], result: "i32" },
  dnnl_stream_create: { parameters: ["buffer", "pointer", "u32"], result: "i32" },
  dnnl_memory_desc_init_by_tag: { parameters: ["buffer", "i32", "buffer", "i32", "i32"], result: "i32" },
  dnnl_memory_desc_get_size: { parameters: ["buffer"], result: "usize" },
  dnnl_dilated_convolution_forward_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "i32",
      "buffer",
      "buffer",
      "pointer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_dilated_convolution_backward_data_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  dnnl_dilated_convolution_backward_weights_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "pointer", "buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  dnnl_pooling_v2_forward_desc_init: {
    parameters: ["buffer", "i32", "i32", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  dnnl_pooling_v2_backward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  dnnl_lrn_forward_desc_init: {
    parameters: ["buffer", "i32", "i32", "buffer", "i64", "f32", "f32", "f32"],
    result: "i32",
  },
  dnnl_lrn_backward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "i64", "f32", "f32", "f32"],
    result: "i32",
  },
  dnnl_primitive_attr_create: { parameters: ["buffer"], result: "i32" },
  dnnl_primitive_attr_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_primitive_attr_set_post_ops: { parameters: ["pointer", "pointer"], result: "i32" },
  dnnl_post_ops_create: { parameters: ["buffer"], result: "i32" },
  dnnl_post_ops_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_post_ops_append_eltwise: { parameters: ["pointer", "f32", "i32", "f32", "f32"], result: "i32" },
  dnnl_primitive_desc_create: { parameters: ["buffer", "buffer", "pointer", "pointer", "pointer"], result: "i32" },
  dnnl_reorder_primitive_desc_create: {
    parameters: ["buffer", "buffer", "pointer", "buffer", "pointer", "pointer"],
    result: "i32",
  },
  dnnl_primitive_desc_query: { parameters: ["pointer", "i32", "i32", "buffer"], result: "i32" },
  dnnl_primitive_desc_query_md: { parameters: ["pointer", "i32", "i32"], result: "pointer" },
  dnnl_primitive_desc_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_primitive_create: { parameters: ["buffer", "pointer"], result: "i32" },
  dnnl_primitive_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_memory_create: { parameters: ["buffer", "buffer", "pointer", "pointer"], result: "i32" },
  dnnl_memory_set_data_handle: { parameters: ["pointer", "pointer"], result: "i32" },
  dnnl_memory_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_primitive_execute: { parameters: ["pointer", "pointer", "i32", "buffer"], result: "i32" },
  dnnl_stream_wait: { parameters: ["pointer"], result: "i32" },
  dnnl_sgemm: {
    parameters: ["u8", "u8", "i64", "i64", "i64", "f32", "pointer", "i64", "pointer", "i64", "f32", "pointer", "i64"],
    result: "i32",
  },
} as const;

type Symbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** A oneDNN call that did not return `dnnl_success`. */
export class OneDnnError extends Error {
  override name = "OneDnnError";
}

/** The library file names tried, newest first. */
const LIBRARY_NAMES = ["libdnnl.so.2", "libdnnl.so.3", "libdnnl.so", "libdnnl.2.dylib", "dnnl.dll"];

/** An opaque oneDNN descriptor (memory or operation), filled by the library. */
export type Descriptor = Uint8Array<ArrayBuffer>;
/** A oneDNN handle (engine, stream, primitive, memory, …). */
export type Handle = Deno.PointerValue;

/** A primitive ready to run, with the memory descriptors it chose. */
export interface Primitive {
  primitive: Handle;
  descriptor: Handle;
  /** The implementation oneDNN chose, e.g. `brgconv:avx512_core`. */
  implementation: string;
}

/**
 * The opened library with one CPU engine and stream.
 *
 * @example
 * ```ts
 * const dnnl = OneDnn.open();
 * if (typeof dnnl === "string") console.error(`no oneDNN: ${dnnl}`);
 * ```
 */
export class OneDnn {
  readonly symbols: Symbols;
  readonly engine: Handle;
  readonly stream: Handle;
  readonly path: string;

  private constructor(library: Deno.DynamicLibrary<typeof SYMBOLS>, path: string) {
    this.symbols = library.symbols;
    this.path = path;
    const engine = new BigUint64Array(1);
    this.check(this.symbols.dnnl_engine_create(engine, DNNL.cpu, 0n), "dnnl_engine_create");
    this.engine = handleOf(engine);
    const stream = new BigUint64Array(1);
    this.check(this.symbols.dnnl_stream_create(stream, this.engine, DNNL.streamDefault), "dnnl_stream_create");
    this.stream = handleOf(stream);
  }

  /**
   * The library, opened once per process, or why it cannot be (not installed, no FFI
   * permission); a failure is not remembered, so a library installed since is found.
   */
  static open(): OneDnn | string {
    if (opened !== undefined) return opened;
    const reasons: string[] = [];
    passiveThreads();
    for (const name of LIBRARY_NAMES) {
      try {
        return (opened = new OneDnn(Deno.dlopen(name, SYMBOLS), name));
      } catch (error) {
        if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
          return `FFI is not permitted (${(error as Error).message.split("\n")[0]})`;
        }
        reasons.push(name);
      }
    }
    return `oneDNN is not installed (tried ${reasons.join(", ")}); on Debian or Ubuntu: \`apt-get install libdnnl2\``;
  }

  /** Throws a {@linkcode OneDnnError} naming `what` unless `status` is `dnnl_success`. */
  check(status: number, what: string): void {
    if (status !== 0) throw new OneDnnError(`${what} failed with oneDNN status ${status}`);
  }

  /** A plain memory descriptor of float32 values with `dims` in oneDNN's logical order. */
  memoryDesc(dims: number[], tag: number): Descriptor {
    const desc = new Uint8Array(MEMORY_DESC_BYTES);
    this.check(
      this.symbols.dnnl_memory_desc_init_by_tag(desc, dims.length, dimsOf(dims), DNNL.f32, tag),
      "memory_desc",
    );
    return desc;
  }

  /** A primitive for an operation descriptor (with post-ops `attr`, and a forward hint for backward passes). */
  primitive(opDesc: Descriptor, attr: Handle = null, hint: Handle = null): Primitive {
    const pd = new BigUint64Array(1);
    this.check(this.symbols.dnnl_primitive_desc_create(pd, opDesc, attr, this.engine, hint), "primitive_desc_create");
    return this.#finish(handleOf(pd));
  }

  /** A reorder from one layout to another. */
  reorder(from: Descriptor, to: Descriptor): Primitive {
    const pd = new BigUint64Array(1);
    this.check(
      this.symbols.dnnl_reorder_primitive_desc_create(pd, from, this.engine, to, this.engine, null),
      "reorder_primitive_desc_create",
    );
    return this.#finish(handleOf(pd));
  }

  #finish(descriptor: Handle): Primitive {
    const info = new BigUint64Array(1);
    this.check(this.symbols.dnnl_primitive_desc_query(descriptor, DNNL.query.implInfo, 0, info), "query impl");
    const implementation = new Deno.UnsafePointerView(handleOf(info)!).getCString();
    const primitive = new BigUint64Array(1);
    this.check(this.symbols.dnnl_primitive_create(primitive, descriptor), "primitive_create");
    return { primitive: handleOf(primitive), descriptor, implementation };
  }

  /** A copy of the memory descriptor a primitive chose for `what` (a `DNNL.query` value). */
  queryMd(primitive: Primitive, what: number): Descriptor {
    const md = this.symbols.dnnl_primitive_desc_query_md(primitive.descriptor, what, 0);
    if (md === null) throw new OneDnnError(`the primitive has no memory descriptor ${what}`);
    return new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(md, MEMORY_DESC_BYTES).slice(0));
  }

  /** Bytes a memory descriptor spans. */
  bytes(desc: Descriptor): number {
    return Number(this.symbols.dnnl_memory_desc_get_size(desc));
  }

  /** A memory object the library allocates itself (`DNNL_MEMORY_ALLOCATE`): blocked weights, workspaces. */
  ownedMemory(desc: Descriptor): Handle {
    return this.memory(desc, Deno.UnsafePointer.create(0xffffffffffffffffn));
  }

  /** A memory object over `data` (null: set later with {@linkcode OneDnn.bind}). */
  memory(desc: Descriptor, data: Handle = null): Handle {
    const memory = new BigUint64Array(1);
    this.check(this.symbols.dnnl_memory_create(memory, desc, this.engine, data), "memory_create");
    return handleOf(memory);
  }

  /** Points a memory object at another buffer. */
  bind(memory: Handle, data: Handle): void {
    this.check(this.symbols.dnnl_memory_set_data_handle(memory, data), "memory_set_data_handle");
  }

  /** Runs a primitive on `args` (`[DNNL.arg…, memory]` pairs) and waits for it. */
  execute(primitive: Primitive, args: [number, Handle][]): void {
    const packed = new BigUint64Array(args.length * 2);
    args.forEach(([arg, memory], i) => {
      packed[2 * i] = BigInt(arg);
      packed[2 * i + 1] = BigInt(Deno.UnsafePointer.value(memory));
    });
    this.check(
      this.symbols.dnnl_primitive_execute(primitive.primitive, this.stream, args.length, new Uint8Array(packed.buffer)),
      "primitive_execute",
    );
    this.check(this.symbols.dnnl_stream_wait(this.stream), "stream_wait");
  }

  /** A post-op attribute: ReLU after the operation (null: no attribute). */
  reluAttr(): Handle {
    const postOps = new BigUint64Array(1);
    this.check(this.symbols.dnnl_post_ops_create(postOps), "post_ops_create");
    this.check(this.symbols.dnnl_post_ops_append_eltwise(handleOf(postOps), 1, DNNL.alg.eltwiseRelu, 0, 0), "eltwise");
    const attr = new BigUint64Array(1);
    this.check(this.symbols.dnnl_primitive_attr_create(attr), "primitive_attr_create");
    this.check(this.symbols.dnnl_primitive_attr_set_post_ops(handleOf(attr), handleOf(postOps)), "set_post_ops");
    this.symbols.dnnl_post_ops_destroy(handleOf(postOps));
    return handleOf(attr);
  }

  /**
   * Row-major `C[m×n] = α·op(A)·op(B) + β·C` (`dnnl_sgemm`), op = transpose where asked;
   * `lda`, `ldb`, `ldc` are the stored rows' lengths.
   */
  sgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    a: Handle,
    lda: number,
    b: Handle,
    ldb: number,
    beta: number,
    c: Handle,
    ldc: number,
  ): void {
    const t = (yes: boolean) => (yes ? 84 : 78); // 'T' : 'N'
    this.check(
      this.symbols.dnnl_sgemm(
        t(transA),
        t(transB),
        BigInt(m),
        BigInt(n),
        BigInt(k),
        1,
        a,
        BigInt(lda),
        b,
        BigInt(ldb),
        beta,
        c,
        BigInt(ldc),
      ),
      "sgemm",
    );
  }
}

let opened: OneDnn | undefined;

/**
 * One primitive object per shape: `make` runs the first time a geometry is asked for, and later
 * calls with an equal geometry (compared as JSON) get the same object. A training run meets a
 * handful of shapes, and building a primitive costs far more than running it.
 */
export function perShape<G, T>(make: (dnnl: OneDnn, geometry: G) => T): (dnnl: OneDnn, geometry: G) => T {
  const made = new Map<string, T>();
  return (dnnl, geometry) => {
    const key = JSON.stringify(geometry);
    let value = made.get(key);
    if (value === undefined) {
      value = make(dnnl, geometry);
      made.set(key, value);
    }
    return value;
  };
}

/**
 * oneDNN's OpenMP threads (GNU libgomp, read when the library loads) sleep as soon as a primitive
 * ends instead of spinning for the next: a service idles without burning its cores, and a Deno
 * isolate that closes the library (a test module ending) leaves no thread running its code. Set
 * unless the user chose a policy; skipped where the process may not set variables.
 */
function passiveThreads(): void {
  try {
    if (Deno.env.get("OMP_WAIT_POLICY") === undefined) Deno.env.set("OMP_WAIT_POLICY", "PASSIVE");
  } catch { /* no env permission: libgomp's default policy */ }
}

function handleOf(cell: BigUint64Array): Handle {
  return Deno.UnsafePointer.create(cell[0]);
}

/** A `dnnl_dims_t` (12 int64 values). */
export function dimsOf(values: number[]): BigInt64Array<ArrayBuffer> {
  const dims = new BigInt64Array(MAX_NDIMS);
  values.forEach((v, i) => (dims[i] = BigInt(v)));
  return dims;
}
