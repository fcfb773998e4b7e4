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
    const g = geometry;
    const src = dnnl.memoryDesc([g.batch, g.inChannels, g.inHeight, g.inWidth], DNNL.tag.acdb);
    const dst = dnnl.memoryDesc([g.batch, g.outChannels, g.outHeight, g.outWidth], DNNL.tag.acdb);
    const filterDims = [g.outChannels, g.inChannels, g.filterHeight, g.filterWidth];
    const userFilter = dnnl.memoryDesc(filterDims, DNNL.tag.cdba);
    const anyFilter = dnnl.memoryDesc(filterDims, DNNL.tag.any);
    const bias = dnnl.memoryDesc([g.outChannels], DNNL.tag.a);
    const strides = dimsOf([g.strideHeight, g.strideWidth]);
    const dilates = dimsOf([g.dilationHeight - 1, g.dilationWidth - 1]);
    const padL = dimsOf([g.pad.top, g.pad.left]);
    const padR = dimsOf([g.pad.bottom, g.pad.right]);
    const forwardDesc = (prop: number, withBias: boolean): Descriptor => {
      const desc = new Uint8Array(OP_DESC_BYTES);
      dnnl.check(
        dnnl.symbols.dnnl_dilated_convolution_forward_desc_init(
          desc,
          prop,
          DNNL.alg.convolutionDirect,
          src,
          anyFilter,
          withBias ? Deno.UnsafePointer.of(bias) : null,
          dst,
          strides,
          dilates,
          padL,
          padR,
        ),
        "convolution_forward_desc_init",
      );
      return desc;
    };
    let primitive: Primitive, filterQuery: number;
    if (pass.kind === "forward") {
      const attr = pass.relu ? dnnl.reluAttr() : null;
      primitive = dnnl.primitive(forwardDesc(DNNL.prop.forwardTraining, pass.bias), attr);
      if (attr !== null) dnnl.symbols.dnnl_primitive_attr_destroy(attr);
      filterQuery = DNNL.query.weightsMd;
    } else {
      const hint = dnnl.primitive(forwardDesc(DNNL.prop.forwardTraining, false));
      const desc = new Uint8Array(OP_DESC_BYTES);
      if (pass.kind === "backwardData") {
        dnnl.check(
          dnnl.symbols.dnnl_dilated_convolution_backward_data_desc_init(
            desc,
            DNNL.alg.convolutionDirect,
            src,
            anyFilter,
            dst,
            strides,
            dilates,
            padL,
            padR,
          ),
          "convolution_backward_data_desc_init",
        );
        filterQuery = DNNL.query.weightsMd;
      } else {
        dnnl.check(
          dnnl.symbols.dnnl_dilated_convolution_backward_weights_desc_init(
            desc,
            DNNL.alg.convolutionDirect,
            src,
            anyFilter,
            null,
            dst,
            strides,
            dilates,
            padL,
            padR,
          ),
          "convolution_backward_weights_desc_init",
        );
        filterQuery = DNNL.query.diffWeightsMd;
      }
      primitive = dnnl.primitive(desc, null, hint.descriptor);
    }
    this.#primitive = primitive;
    this.implementation = primitive.implementation;
    const blocked = dnnl.queryMd(primitive, filterQuery);
    this.#reorder = pass.kind === "backwardWeights"
      ? dnnl.reorder(blocked, userFilter)
      : dnnl.reorder(userFilter, blocked);
    this.#userFilter = dnnl.memory(userFilter);
    this.#blockedFilter = dnnl.ownedMemory(blocked);
    this.#activations = {
      input: dnnl.memory(src),
      output: dnnl.memory(dst),
      bias: pass.kind === "forward" && pass.bias ? dnnl.memory(bias) : null,
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
