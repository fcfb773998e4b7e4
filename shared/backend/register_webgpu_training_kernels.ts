/**
 * Registers the kernels WebGPU training runs faster with: transposed `BatchMatMul` (every
 * dense-layer gradient) as an explicit transpose plus the plain product. Idempotent.
 *
 * @module
 */
import { BatchMatMul, registerKernel, unregisterKernel } from "@tensorflow/tfjs";
import { registeredKernel } from "./kernel_call.ts";
import { transposedBatchMatMulConfig } from "./transposed_batch_mat_mul.ts";

let registered = false;

/**
 * Replaces the WebGPU backend's transposed products.
 *
 * @example
 * ```ts
 * await import("@tensorflow/tfjs-backend-webgpu");
 * registerWebgpuTrainingKernels();
 * ```
 */
export function registerWebgpuTrainingKernels(): void {
  if (registered) return;
  registered = true;
  const original = registeredKernel(BatchMatMul, "webgpu");
  unregisterKernel(BatchMatMul, "webgpu");
  registerKernel(transposedBatchMatMulConfig("webgpu", original, { packsSecondOperand: false }));
}

/** The original kernel, for measuring the replacement against it. */
export function originalWebgpuBatchMatMul() {
  return registeredKernel(BatchMatMul, "webgpu");
}
