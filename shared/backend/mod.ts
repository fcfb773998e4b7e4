/**
 * Which TensorFlow.js backend runs the tensors (`--backend auto|tensorflow-gpu|tensorflow|webgpu|wasm|cpu`,
 * the auto ladder and why it chose), the WebGPU device (with `shader-f16` where offered), and the
 * training kernels it registers where the WASM or WebGPU backend lacks them, runs them slowly, or
 * gets them wrong.
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
  selectBackend,
  type SelectBackendOptions,
} from "./select_backend.ts";
export { storageBindingLimit } from "./storage_binding_limit.ts";
export { deviceHasShaderF16, useHalfPrecision } from "./webgpu_device.ts";
