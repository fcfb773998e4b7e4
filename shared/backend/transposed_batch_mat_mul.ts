/**
 * A faster `BatchMatMul` when an operand is transposed, for the WASM and WebGPU backends.
 *
 * Every dense-layer gradient asks for a transposed product (dW = xᵀ·dy, dx = dy·Wᵀ), and both
 * backends run those slowly: WASM's fast path (XNNPACK) is the non-transposed product, with a
 * slow loop otherwise (PERF-NOTES.md: fc6's weight gradient 3.8 s against 0.64 s); WebGPU's
 * product reads a transposed operand with strided loads (fc6's weight gradient 243 ms against
 * 25 ms forward on an H200, issue #13). So transpose explicitly and multiply on the plain path,
 * choosing between C = op(A)·op(B) and C = (op(B)ᵀ·op(A)ᵀ)ᵀ by how many elements each copies:
 * for fc6's input gradient dy·Wᵀ the second form never copies the 9216×4096 weight matrix.
 *
 * @module
 */
import {
  BatchMatMul,
  type BatchMatMulAttrs,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from "./tensorflow.ts";
import { type KernelCall, releaseInfos, runKernel } from "./kernel_call.ts";

const size = (x: TensorInfo) => x.shape.reduce((a, b) => a * b, 1);

/** How a backend's plain product costs extra copies. */
export interface ProductCosts {
  /** True when the plain product repacks its second operand on every call (XNNPACK). */
  packsSecondOperand: boolean;
  /**
   * Products with fewer output rows or a shorter inner dimension than this keep the backend's own
   * transposed path (on lavapipe at batch 2, WebGPU's was 1.5–2× faster than transposing first).
   */
  smallestTransposed?: number;
}

/** `x` with its last two axes swapped, on the backend's own Transpose. */
function swapLastTwo(backendName: string, backend: KernelBackend, x: TensorInfo): TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return runKernel(backendName, backend, "Transpose", { x }, { perm });
}

/** `a·b` (either transposed) by the original kernel on plain operands: transposed ones are copied first. */
function plainProduct(
  backendName: string,
  original: KernelCall,
  backend: KernelBackend,
  operands: { a: TensorInfo; b: TensorInfo; transposeA: boolean; transposeB: boolean },
): TensorInfo {
  const { a, b, transposeA, transposeB } = operands;
  const owned: TensorInfo[] = [];
  const plainA = transposeA ? swapLastTwo(backendName, backend, a) : a;
  const plainB = transposeB ? swapLastTwo(backendName, backend, b) : b;
  if (transposeA) owned.push(plainA);
  if (transposeB) owned.push(plainB);
  const out = original({ inputs: { a: plainA, b: plainB }, backend, attrs: { transposeA: false, transposeB: false } });
  releaseInfos(backend, ...owned);
  return out;
}

/**
 * Elements copied each way: directly (the transposed inputs and the packed second operand), or
 * swapped, as `(bᵀ·aᵀ)ᵀ` (the other inputs, the other packed operand, and the output).
 */
function copyCosts(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean, costs: ProductCosts) {
  const rankA = a.shape.length, rankB = b.shape.length;
  const rows = transposeA ? a.shape[rankA - 1] : a.shape[rankA - 2];
  const cols = transposeB ? b.shape[rankB - 2] : b.shape[rankB - 1];
  const inner = transposeA ? a.shape[rankA - 2] : a.shape[rankA - 1];
  const batch = Math.max(
    size(a) / (a.shape[rankA - 1] * a.shape[rankA - 2]),
    size(b) / (b.shape[rankB - 1] * b.shape[rankB - 2]),
  );
  const packed = (second: TensorInfo) => costs.packsSecondOperand ? size(second) : 0;
  return {
    small: Math.min(rows, inner) < (costs.smallestTransposed ?? 0),
    direct: (transposeA ? size(a) : 0) + (transposeB ? size(b) : 0) + packed(b),
    swapped: (transposeA ? 0 : size(a)) + (transposeB ? 0 : size(b)) + packed(a) + batch * rows * cols,
  };
}

/**
 * Builds the replacement around the backend's `original` kernel.
 *
 * @example
 * ```ts
 * registerKernel(transposedBatchMatMulConfig("webgpu", registeredKernel(BatchMatMul, "webgpu"), { packsSecondOperand: false }));
 * ```
 */
export function transposedBatchMatMulConfig(
  backendName: string,
  original: KernelCall,
  costs: ProductCosts,
): KernelConfig {
  function transposedBatchMatMul(args: {
    inputs: { a: TensorInfo; b: TensorInfo };
    backend: KernelBackend;
    attrs: BatchMatMulAttrs;
  }): TensorInfo {
    const { inputs: { a, b }, backend, attrs: { transposeA, transposeB } } = args;
    if (!transposeA && !transposeB) return original(args as unknown as Parameters<KernelCall>[0]);
    const { small, direct, swapped } = copyCosts(a, b, transposeA, transposeB, costs);
    if (small) return original(args as unknown as Parameters<KernelCall>[0]);
    if (direct <= swapped || a.shape.length !== b.shape.length) {
      return plainProduct(backendName, original, backend, { a, b, transposeA, transposeB });
    }
    const product = plainProduct(backendName, original, backend, {
      a: b,
      b: a,
      transposeA: !transposeB,
      transposeB: !transposeA,
    });
    const out = swapLastTwo(backendName, backend, product);
    releaseInfos(backend, product);
    return out;
  }
  return { kernelName: BatchMatMul, backendName, kernelFunc: transposedBatchMatMul as unknown as KernelFunc };
}
