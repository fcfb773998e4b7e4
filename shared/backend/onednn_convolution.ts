/**
 * 2-D convolutions in oneDNN on TF.js's own layouts: activations NHWC (oneDNN's `acdb`), the
 * filter `[kh, kw, in, out]` (`cdba`). oneDNN is left to choose the filter's layout (`any`: a
 * blocked one for its AVX-512 / AVX2 kernels, faster than its path for the plain layout), so
 * each call reorders the filter (or its gradient) between TF.js's layout and that one — a few
 * MiB at most for AlexNet, against hundreds of MFLOP of convolution.
 *
 * One {@linkcode OneDnnConvolution} per shape and pass, built on first use and kept
 * (`perShape`).
 *
 * @module
 */
import {
  type Descriptor,
  dimsOf,
  DNNL,
  type Handle,
  OneDnn,
  OP_DESC_BYTES,
  perShape,
  type Primitive,
} from "./onednn_library.ts";

/** A convolution's shape (TF.js's `Conv2DInfo`, NHWC). */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  /** TF.js's dilation (1: none). */
  dilationHeight: number;
  dilationWidth: number;
  pad: { top: number; left: number; bottom: number; right: number };
}

/** Which pass: the forward (with a bias and a ReLU where asked), or one of the two gradients. */
export type ConvPass =
  | { kind: "forward"; bias: boolean; relu: boolean }
  | { kind: "backwardData" }
  | { kind: "backwardWeights" };

/** A convolution's memory descriptors (NHWC activations, TF.js's filter layout, any blocked one) and geometry. */
interface ConvDescs {
  src: Descriptor;
  dst: Descriptor;
  userFilter: Descriptor;
  anyFilter: Descriptor;
  bias: Descriptor;
  strides: BigInt64Array;
  dilates: BigInt64Array;
  padL: BigInt64Array;
  padR: BigInt64Array;
}

function convDescs(dnnl: OneDnn, g: ConvGeometry): ConvDescs {
  const filterDims = [g.outChannels, g.inChannels, g.filterHeight, g.filterWidth];
  return {
    src: dnnl.memoryDesc([g.batch, g.inChannels, g.inHeight, g.inWidth], DNNL.tag.acdb),
    dst: dnnl.memoryDesc([g.batch, g.outChannels, g.outHeight, g.outWidth], DNNL.tag.acdb),
    userFilter: dnnl.memoryDesc(filterDims, DNNL.tag.cdba),
    anyFilter: dnnl.memoryDesc(filterDims, DNNL.tag.any),
    bias: dnnl.memoryDesc([g.outChannels], DNNL.tag.a),
    strides: dimsOf([g.strideHeight, g.strideWidth]),
    dilates: dimsOf([g.dilationHeight - 1, g.dilationWidth - 1]),
    padL: dimsOf([g.pad.top, g.pad.left]),
    padR: dimsOf([g.pad.bottom, g.pad.right]),
  };
}

/** The forward pass's operation descriptor (training propagation), with or without a bias. */
function forwardDesc(dnnl: OneDnn, d: ConvDescs, withBias: boolean): Descriptor {
  const desc = new Uint8Array(OP_DESC_BYTES);
  dnnl.check(
    dnnl.symbols.dnnl_dilated_convolution_forward_desc_init(
      desc,
      DNNL.prop.forwardTraining,
      DNNL.alg.convolutionDirect,
      d.src,
      d.anyFilter,
      withBias ? Deno.UnsafePointer.of(d.bias) : null,
      d.dst,
      d.strides,
      d.dilates,
      d.padL,
      d.padR,
    ),
    "convolution_forward_desc_init",
  );
  return desc;
}

/** A backward pass's operation descriptor: the input's gradient, or the filter's. */
function backwardDesc(dnnl: OneDnn, d: ConvDescs, kind: "backwardData" | "backwardWeights"): Descriptor {
  const desc = new Uint8Array(OP_DESC_BYTES);
  const geometry = [d.dst, d.strides, d.dilates, d.padL, d.padR] as const;
  if (kind === "backwardData") {
    dnnl.check(
      dnnl.symbols.dnnl_dilated_convolution_backward_data_desc_init(
        desc,
        DNNL.alg.convolutionDirect,
        d.src,
        d.anyFilter,
        ...geometry,
      ),
      "convolution_backward_data_desc_init",
    );
  } else {
    dnnl.check(
      dnnl.symbols.dnnl_dilated_convolution_backward_weights_desc_init(
        desc,
        DNNL.alg.convolutionDirect,
        d.src,
        d.anyFilter,
        null,
        ...geometry,
      ),
      "convolution_backward_weights_desc_init",
    );
  }
  return desc;
}

/** The pass's primitive (a backward one hinted by the forward one) and which filter descriptor to query. */
function convPrimitive(dnnl: OneDnn, d: ConvDescs, pass: ConvPass): { primitive: Primitive; filterQuery: number } {
  if (pass.kind === "forward") {
    const attr = pass.relu ? dnnl.reluAttr() : null;
    const primitive = dnnl.primitive(forwardDesc(dnnl, d, pass.bias), attr);
    if (attr !== null) dnnl.symbols.dnnl_primitive_attr_destroy(attr);
    return { primitive, filterQuery: DNNL.query.weightsMd };
  }
  const hint = dnnl.primitive(forwardDesc(dnnl, d, false));
  const primitive = dnnl.primitive(backwardDesc(dnnl, d, pass.kind), null, hint.descriptor);
  return { primitive, filterQuery: pass.kind === "backwardData" ? DNNL.query.weightsMd : DNNL.query.diffWeightsMd };
}

/**
 * @example
 * ```ts
 * const conv = OneDnnConvolution.of(dnnl, { geometry, pass: { kind: "forward", bias: true, relu: true } });
 * conv.run({ src: x, weights: w, bias: b, dst: y });
 * ```
 */
export class OneDnnConvolution {
  readonly implementation: string;
  readonly #dnnl: OneDnn;
  readonly #pass: ConvPass;
  readonly #primitive: Primitive;
  /** Filter (or its gradient) in TF.js's layout ↔ in the primitive's. */
  readonly #reorder: Primitive;
  readonly #userFilter: Handle;
  readonly #blockedFilter: Handle;
  readonly #activations: { input: Handle; output: Handle; bias: Handle | null };

  /** The convolution for this shape and pass (made once per process). */
  static readonly of = perShape((dnnl, key: { geometry: ConvGeometry; pass: ConvPass }) =>
    new OneDnnConvolution(dnnl, key.geometry, key.pass)
  );

  private constructor(dnnl: OneDnn, geometry: ConvGeometry, pass: ConvPass) {
    this.#dnnl = dnnl;
    this.#pass = pass;
    const d = convDescs(dnnl, geometry);
    const { primitive, filterQuery } = convPrimitive(dnnl, d, pass);
    this.#primitive = primitive;
    this.implementation = primitive.implementation;
    const blocked = dnnl.queryMd(primitive, filterQuery);
    this.#reorder = pass.kind === "backwardWeights"
      ? dnnl.reorder(blocked, d.userFilter)
      : dnnl.reorder(d.userFilter, blocked);
    this.#userFilter = dnnl.memory(d.userFilter);
    this.#blockedFilter = dnnl.ownedMemory(blocked);
    this.#activations = {
      input: dnnl.memory(d.src),
      output: dnnl.memory(d.dst),
      bias: pass.kind === "forward" && pass.bias ? dnnl.memory(d.bias) : null,
    };
  }

  /**
   * Runs the pass on raw float32 buffers: forward `dst = conv(src, weights) (+ bias)(, ReLU)`;
   * backwardData `src = ∂/∂src` from `dst` (the output's gradient) and `weights`; backwardWeights
   * `weights = ∂/∂weights` from `src` and `dst`. `src`/`dst` NHWC, `weights` `[kh, kw, in, out]`.
   */
  run(buffers: { src: Handle; weights: Handle; dst: Handle; bias?: Handle }): void {
    const dnnl = this.#dnnl;
    const { input, output, bias } = this.#activations;
    dnnl.bind(input, buffers.src);
    dnnl.bind(output, buffers.dst);
    dnnl.bind(this.#userFilter, buffers.weights);
    const filterIn: [number, Handle][] = [[DNNL.arg.src, this.#userFilter], [DNNL.arg.dst, this.#blockedFilter]];
    switch (this.#pass.kind) {
      case "forward": {
        dnnl.execute(this.#reorder, filterIn);
        const args: [number, Handle][] = [
          [DNNL.arg.src, input],
          [DNNL.arg.weights, this.#blockedFilter],
          [DNNL.arg.dst, output],
        ];
        if (bias) {
          dnnl.bind(bias, buffers.bias ?? null);
          args.push([DNNL.arg.bias, bias]);
        }
        dnnl.execute(this.#primitive, args);
        return;
      }
      case "backwardData":
        dnnl.execute(this.#reorder, filterIn);
        dnnl.execute(this.#primitive, [
          [DNNL.arg.diffSrc, input],
          [DNNL.arg.weights, this.#blockedFilter],
          [DNNL.arg.diffDst, output],
        ]);
        return;
      case "backwardWeights":
        dnnl.execute(this.#primitive, [
          [DNNL.arg.src, input],
          [DNNL.arg.diffWeights, this.#blockedFilter],
          [DNNL.arg.diffDst, output],
        ]);
        dnnl.execute(this.#reorder, [[DNNL.arg.src, this.#blockedFilter], [DNNL.arg.dst, this.#userFilter]]);
        return;
    }
  }
}
