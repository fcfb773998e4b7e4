/**
 * Local response normalisation across channels in oneDNN on TF.js's NHWC layout, forward and
 * gradient. TF.js's form is `y = x / (bias + α·Σ x²)^β` over `depthRadius` channels on either
 * side; oneDNN's divides α by the window (`n = 2·depthRadius + 1`), so it is handed `α·n`. The
 * gradient runs oneDNN's forward pass again to make the workspace its backward pass reads.
 *
 * @module
 */
import {
  type Descriptor,
  DNNL,
  type Handle,
  OneDnn,
  OP_DESC_BYTES,
  perShape,
  type Primitive,
} from "./onednn_library.ts";

/** The shape and constants of an LRN (TF.js's attributes). */
export interface LrnGeometry {
  batch: number;
  height: number;
  width: number;
  channels: number;
  depthRadius: number;
  bias: number;
  alpha: number;
  beta: number;
}

/**
 * @example
 * ```ts
 * OneDnnLrn.of(dnnl, geometry).forward({ x, y });
 * ```
 */
export class OneDnnLrn {
  readonly #dnnl: OneDnn;
  readonly #forward: Primitive;
  readonly #backward: Primitive;
  readonly #memory: { x: Handle; y: Handle; dy: Handle; dx: Handle; scratchY: Handle; workspace: Handle };

  /** The LRN for this shape and these constants (made once per process). */
  static readonly of = perShape((dnnl, geometry: LrnGeometry) => new OneDnnLrn(dnnl, geometry));

  private constructor(dnnl: OneDnn, g: LrnGeometry) {
    this.#dnnl = dnnl;
    const data = dnnl.memoryDesc([g.batch, g.channels, g.height, g.width], DNNL.tag.acdb);
    const n = 2 * g.depthRadius + 1;
    const forward: Descriptor = new Uint8Array(OP_DESC_BYTES);
    dnnl.check(
      dnnl.symbols.dnnl_lrn_forward_desc_init(
        forward,
        DNNL.prop.forwardTraining,
        DNNL.alg.lrnAcrossChannels,
        data,
        BigInt(n),
        g.alpha * n,
        g.beta,
        g.bias,
      ),
      "lrn_forward_desc_init",
    );
    this.#forward = dnnl.primitive(forward);
    const backward: Descriptor = new Uint8Array(OP_DESC_BYTES);
    dnnl.check(
      dnnl.symbols.dnnl_lrn_backward_desc_init(
        backward,
        DNNL.alg.lrnAcrossChannels,
        data,
        data,
        BigInt(n),
        g.alpha * n,
        g.beta,
        g.bias,
      ),
      "lrn_backward_desc_init",
    );
    this.#backward = dnnl.primitive(backward, null, this.#forward.descriptor);
    this.#memory = {
      x: dnnl.memory(data),
      y: dnnl.memory(data),
      dy: dnnl.memory(data),
      dx: dnnl.memory(data),
      scratchY: dnnl.ownedMemory(data),
      workspace: dnnl.ownedMemory(dnnl.queryMd(this.#forward, DNNL.query.workspaceMd)),
    };
  }

  /** `y = LRN(x)`, raw float32 NHWC buffers. */
  forward(buffers: { x: Handle; y: Handle }): void {
    const dnnl = this.#dnnl, m = this.#memory;
    dnnl.bind(m.x, buffers.x);
    dnnl.bind(m.y, buffers.y);
    dnnl.execute(this.#forward, [[DNNL.arg.src, m.x], [DNNL.arg.dst, m.y], [DNNL.arg.workspace, m.workspace]]);
  }

  /** `dx` from the input `x` and the output's gradient `dy`. */
  backward(buffers: { x: Handle; dy: Handle; dx: Handle }): void {
    const dnnl = this.#dnnl, m = this.#memory;
    dnnl.bind(m.x, buffers.x);
    dnnl.bind(m.dy, buffers.dy);
    dnnl.bind(m.dx, buffers.dx);
    dnnl.execute(this.#forward, [[DNNL.arg.src, m.x], [DNNL.arg.dst, m.scratchY], [DNNL.arg.workspace, m.workspace]]);
    dnnl.execute(this.#backward, [
      [DNNL.arg.src, m.x],
      [DNNL.arg.diffDst, m.dy],
      [DNNL.arg.workspace, m.workspace],
      [DNNL.arg.diffSrc, m.dx],
    ]);
  }
}
