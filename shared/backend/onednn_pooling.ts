/**
 * The max-pooling gradient in oneDNN on TF.js's NHWC layout. oneDNN's backward pass reads the
 * forward pass's workspace (where each window's maximum was), which TF.js does not keep: the
 * gradient runs oneDNN's forward pass again on the input to make it (a few ms), then routes each
 * output's gradient to its window's maximum.
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

/** A max pooling's shape (TF.js's `Conv2DInfo` of a pooling, NHWC). */
export interface PoolGeometry {
  batch: number;
  channels: number;
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  pad: { top: number; left: number; bottom: number; right: number };
}

/**
 * @example
 * ```ts
 * OneDnnMaxPoolGrad.of(dnnl, geometry).run({ input: x, dy, dx });
 * ```
 */
export class OneDnnMaxPoolGrad {
  readonly #dnnl: OneDnn;
  readonly #forward: Primitive;
  readonly #backward: Primitive;
  readonly #memory: { input: Handle; dy: Handle; dx: Handle; output: Handle; workspace: Handle };

  /** The gradient for this shape (made once per process). */
  static readonly of = perShape((dnnl, geometry: PoolGeometry) => new OneDnnMaxPoolGrad(dnnl, geometry));

  private constructor(dnnl: OneDnn, g: PoolGeometry) {
    this.#dnnl = dnnl;
    const src = dnnl.memoryDesc([g.batch, g.channels, g.inHeight, g.inWidth], DNNL.tag.acdb);
    const dst = dnnl.memoryDesc([g.batch, g.channels, g.outHeight, g.outWidth], DNNL.tag.acdb);
    const geometry = [
      dimsOf([g.strideHeight, g.strideWidth]),
      dimsOf([g.filterHeight, g.filterWidth]),
      dimsOf([0, 0]),
      dimsOf([g.pad.top, g.pad.left]),
      dimsOf([g.pad.bottom, g.pad.right]),
    ] as const;
    const forward: Descriptor = new Uint8Array(OP_DESC_BYTES);
    dnnl.check(
      dnnl.symbols.dnnl_pooling_v2_forward_desc_init(
        forward,
        DNNL.prop.forwardTraining,
        DNNL.alg.poolingMax,
        src,
        dst,
        ...geometry,
      ),
      "pooling_v2_forward_desc_init",
    );
    this.#forward = dnnl.primitive(forward);
    const backward: Descriptor = new Uint8Array(OP_DESC_BYTES);
    dnnl.check(
      dnnl.symbols.dnnl_pooling_v2_backward_desc_init(backward, DNNL.alg.poolingMax, src, dst, ...geometry),
      "pooling_v2_backward_desc_init",
    );
    this.#backward = dnnl.primitive(backward, null, this.#forward.descriptor);
    this.#memory = {
      input: dnnl.memory(src),
      dx: dnnl.memory(src),
      dy: dnnl.memory(dst),
      output: dnnl.ownedMemory(dst),
      workspace: dnnl.ownedMemory(dnnl.queryMd(this.#forward, DNNL.query.workspaceMd)),
    };
  }

  /** `dx` (input-shaped) from the pooling's `input` and its output's gradient `dy`, raw float32 NHWC buffers. */
  run(buffers: { input: Handle; dy: Handle; dx: Handle }): void {
    const dnnl = this.#dnnl, m = this.#memory;
    dnnl.bind(m.input, buffers.input);
    dnnl.bind(m.dy, buffers.dy);
    dnnl.bind(m.dx, buffers.dx);
    dnnl.execute(this.#forward, [[DNNL.arg.src, m.input], [DNNL.arg.dst, m.output], [DNNL.arg.workspace, m.workspace]]);
    dnnl.execute(this.#backward, [
      [DNNL.arg.diffDst, m.dy],
      [DNNL.arg.workspace, m.workspace],
      [DNNL.arg.diffSrc, m.dx],
    ]);
  }
}
