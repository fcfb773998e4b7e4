/**
 * Registers the kernels WebGPU training runs faster (or more exactly) with: transposed
 * `BatchMatMul` (every dense-layer gradient) as an explicit transpose plus the plain product,
 * `MaxPoolGrad` as argmax-then-gather, `Conv2DBackpropFilter` as a tiled split-K implicit
 * GEMM, and `LRNGrad` over the channel window only (TF.js's is wrong at 256 channels on
 * lavapipe). Idempotent. The WebGPU module is loaded only here,
 * once the backend is chosen.
 *
 * @module
 */
import { BatchMatMul, registerKernel, unregisterKernel } from "./tensorflow.ts";
import { registeredKernel } from "./kernel_call.ts";
import { transposedBatchMatMulConfig } from "./transposed_batch_mat_mul.ts";

let registered: Promise<void> | null = null;

/**
 * Replaces the WebGPU backend's transposed products, max-pool, filter and LRN gradients.
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
    const { conv2dBackpropFilterWebgpuConfig } = await import("./conv2d_backprop_filter_webgpu.ts");
    const { lrnGradWebgpuConfig } = await import("./lrn_grad_webgpu.ts");
    const original = registeredKernel(BatchMatMul, "webgpu");
    unregisterKernel(BatchMatMul, "webgpu");
    registerKernel(
      transposedBatchMatMulConfig("webgpu", original, { packsSecondOperand: false, smallestTransposed: 4 }),
    );
    for (const config of [maxPoolGradWebgpuConfig, conv2dBackpropFilterWebgpuConfig, lrnGradWebgpuConfig]) {
      unregisterKernel(config.kernelName, "webgpu");
      registerKernel(config);
    }
  })();
  return registered;
}
