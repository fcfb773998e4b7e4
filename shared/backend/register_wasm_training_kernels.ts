/**
 * Registers the kernels WASM training needs: the missing `Conv2DBackpropFilter`, and fast
 * replacements for `Conv2DBackpropInput` and transposed `BatchMatMul`. Idempotent.
 *
 * @module
 */
import { BatchMatMul, Conv2DBackpropInput, registerKernel, unregisterKernel } from "./tensorflow.ts";
import { transposedBatchMatMulConfig } from "./transposed_batch_mat_mul.ts";
import { conv2dBackpropFilterWasmConfig } from "./conv2d_backprop_filter_wasm.ts";
import { conv2dBackpropInputWasmConfig } from "./conv2d_backprop_input_wasm.ts";
import { wasmKernel } from "./kernel_call.ts";

let registered = false;

/**
 * Adds the training kernels to the WASM backend's registry.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-wasm";
 * registerWasmTrainingKernels();
 * ```
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  const originalMatMul = wasmKernel(BatchMatMul);
  const originalBackpropInput = wasmKernel(Conv2DBackpropInput);
  unregisterKernel(BatchMatMul, "wasm");
  unregisterKernel(Conv2DBackpropInput, "wasm");
  registerKernel(transposedBatchMatMulConfig("wasm", originalMatMul, { packsSecondOperand: true }));
  registerKernel(conv2dBackpropInputWasmConfig(originalBackpropInput));
  registerKernel(conv2dBackpropFilterWasmConfig);
}
