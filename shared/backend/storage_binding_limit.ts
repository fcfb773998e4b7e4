/**
 * The largest buffer one kernel may bind on the active backend. WebGPU adapters cap a storage
 * binding (`maxStorageBufferBindingSize`: 128 MiB on Mesa's software adapter, 2 GiB on an H200);
 * a tensor larger than that is silently read as zeros by TF.js's kernels, so the model checks
 * its tensors against this before running.
 *
 * @module
 */
import * as tf from "./tensorflow.ts";

/**
 * Bytes, or null where the backend has no such limit (WASM, CPU, tfjs-node).
 *
 * @example
 * ```ts
 * storageBindingLimit(); // 134217728 on lavapipe
 * ```
 */
export function storageBindingLimit(): number | null {
  if (tf.getBackend() !== "webgpu") return null;
  const backend = tf.backend() as unknown as { device?: { limits: { maxStorageBufferBindingSize: number } } };
  return backend.device?.limits.maxStorageBufferBindingSize ?? null;
}
