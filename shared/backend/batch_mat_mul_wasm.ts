/**
 * A faster `BatchMatMul` for the WASM backend when an operand is transposed.
 *
 * The backend's fast path (XNNPACK) is the non-transposed product, and it repacks its second
 * operand on every call; with `transposeA` or `transposeB` it falls to a slow loop
 * (PERF-NOTES.md: fc6's weight gradient 3.8 s against 0.64 s). Every dense-layer gradient
 * asks for a transposed product, so transpose explicitly and multiply on the fast path,
 * choosing between C = op(A)·op(B) and C = (op(B)ᵀ·op(A)ᵀ)ᵀ by how many elements each has to
 * transpose and pack: for fc6's input gradient dy·Wᵀ the second form never copies the
 * 9216×4096 weight matrix.
 *
 * @module
 */
import {
  BatchMatMul,
  type BatchMatMulAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { releaseInfos, runWasmKernel, type WasmKernelFunc } from "./wasm_kernel_call.ts";

function swapLastTwo(backend: BackendWasm, x: TensorInfo): TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return runWasmKernel(backend, "Transpose", { x }, { perm });
}

const size = (x: TensorInfo) => x.shape.reduce((a, b) => a * b, 1);

/** Builds the replacement around the backend's `original` kernel. */
export function batchMatMulWasmConfig(original: WasmKernelFunc): KernelConfig {
  function plainProduct(backend: BackendWasm, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean) {
    const owned: TensorInfo[] = [];
    const plainA = transposeA ? swapLastTwo(backend, a) : a;
    const plainB = transposeB ? swapLastTwo(backend, b) : b;
    if (transposeA) owned.push(plainA);
    if (transposeB) owned.push(plainB);
    const out = original({
      inputs: { a: plainA, b: plainB },
      backend,
      attrs: { transposeA: false, transposeB: false },
    });
    releaseInfos(backend, ...owned);
    return out;
  }

  function batchMatMulWasm(args: {
    inputs: { a: TensorInfo; b: TensorInfo };
    backend: BackendWasm;
    attrs: BatchMatMulAttrs;
  }): TensorInfo {
    const { inputs: { a, b }, backend, attrs: { transposeA, transposeB } } = args;
    if (!transposeA && !transposeB) return original(args as unknown as Parameters<WasmKernelFunc>[0]);
    const rankA = a.shape.length;
    const rankB = b.shape.length;
    const rows = transposeA ? a.shape[rankA - 1] : a.shape[rankA - 2];
    const cols = transposeB ? b.shape[rankB - 2] : b.shape[rankB - 1];
    const batch = Math.max(
      size(a) / (a.shape[rankA - 1] * a.shape[rankA - 2]),
      size(b) / (b.shape[rankB - 1] * b.shape[rankB - 2]),
    );
    // Elements copied: transposed inputs, the packed second operand, and (form 2) the output.
    const direct = (transposeA ? size(a) : 0) + (transposeB ? size(b) : 0) + size(b);
    const swapped = (transposeA ? 0 : size(a)) + (transposeB ? 0 : size(b)) + size(a) + batch * rows * cols;
    if (direct <= swapped || rankA !== rankB) return plainProduct(backend, a, b, transposeA, transposeB);
    const product = plainProduct(backend, b, a, !transposeB, !transposeA);
    const out = swapLastTwo(backend, product);
    releaseInfos(backend, product);
    return out;
  }
  return {
    kernelName: BatchMatMul,
    backendName: "wasm",
    kernelFunc: batchMatMulWasm as unknown as KernelFunc,
  };
}
