/**
 * Which TensorFlow.js backend runs the tensors (`--backend auto|tensorflow-gpu|tensorflow|webgpu|native|wasm|cpu`,
 * the auto ladder and why it chose), the WebGPU device (with `shader-f16` where offered), and the
 * training kernels it registers where the WASM or WebGPU backend lacks them, runs them slowly, or
 * gets them wrong; and the WebAssembly SIMD kernels of the fully connected layers (compiled from
 * text by `compileWat`).
 *
 * @example
 * ```ts
 * import { describeBackendChoice, selectBackend } from "../../shared/backend/mod.ts";
 * console.error(describeBackendChoice(await selectBackend("auto")));
 * ```
 *
 * @module
 */
export {
  BACKEND_NAMES,
  type BackendChoice,
  type BackendName,
  BackendUnavailableError,
  describeBackendChoice,
  parseBackendName,
} from "./backend_names.ts";
export { selectBackend, type SelectBackendOptions } from "./select_backend.ts";
export { storageBindingLimit } from "./storage_binding_limit.ts";
export { wasmHeapBytes, wasmHeapViews } from "./wasm_heap.ts";
export { activeTfjsBackend } from "./active_tfjs_backend.ts";
export { OneDnn, OneDnnError } from "./onednn_library.ts";
export * as tf from "./tensorflow.ts";
export { compileWat, type WatCompiler, type WatFeatures, WIDEN_F16_WAT, withWabt } from "./compile_wat.ts";
export {
  type DenseKernelExports,
  type DenseKernelModule,
  denseKernelModule,
  instantiateDenseKernels,
} from "./dense_simd_kernels.ts";
export { deviceHasShaderF16, useHalfPrecision } from "./webgpu_device.ts";
