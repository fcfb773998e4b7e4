/**
 * Registers the kernels WebGPU training runs faster (or more exactly) with: transposed
 * `BatchMatMul` (every dense-layer gradient) as an explicit transpose plus the plain product,
 * and `MaxPoolGrad` as argmax-then-gather. Idempotent. The WebGPU module is loaded only here,
 * once the backend is chosen.
 *
 * @module
 */
import { BatchMatMul, registerKernel, unregisterKernel } from "@tensorflow/tfjs";
import { registeredKernel } from "./kernel_call.ts";
import { transposedBatchMatMulConfig } from "./transposed_batch_mat_mul.ts";

let registered: Promise<void> | null = null;

/**
 * Replaces the WebGPU backend's transposed products and max-pool gradient.
 *
 * @example
 * ```ts
 * await import("@tensorflow/tfjs-backend-webgpu");
 * await registerWebgpuTrainingKernels();
 * ```
 */
export function registerWebgpuTrainingKernels(): Promise<void> {
  registered ??= (async () => {
    const { maxPoolGradWebgpuConfig } = await import("./max_pool_grad_webgpu.ts");
    const original = registeredKernel(BatchMatMul, "webgpu");
    unregisterKernel(BatchMatMul, "webgpu");
    registerKernel(transposedBatchMatMulConfig("webgpu", original, { packsSecondOperand: false }));
    unregisterKernel(maxPoolGradWebgpuConfig.kernelName, "webgpu");
    registerKernel(maxPoolGradWebgpuConfig);
  })();
  return registered;
}
