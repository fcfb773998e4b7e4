/**
 * A faster `BatchMatMul` for the WASM backend when an operand is transposed.
 *
 * The backend's fast path (XNNPACK) is the non-transposed product; with `transposeA` or
 * `transposeB` it falls to a slow loop (PERF-NOTES.md: fc6's weight gradient 3.8 s against
 * 0.64 s). Every dense-layer gradient asks for a transposed product, so transpose explicitly
 * (cheap, memory-bound) and multiply on the fast path.
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

/** Builds the replacement around the backend's `original` kernel. */
export function batchMatMulWasmConfig(original: WasmKernelFunc): KernelConfig {
  function batchMatMulWasm(args: {
    inputs: { a: TensorInfo; b: TensorInfo };
    backend: BackendWasm;
    attrs: BatchMatMulAttrs;
  }): TensorInfo {
    const { inputs: { a, b }, backend, attrs: { transposeA, transposeB } } = args;
    if (!transposeA && !transposeB) return original(args as unknown as Parameters<WasmKernelFunc>[0]);
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
  return {
    kernelName: BatchMatMul,
    backendName: "wasm",
    kernelFunc: batchMatMulWasm as unknown as KernelFunc,
  };
}
