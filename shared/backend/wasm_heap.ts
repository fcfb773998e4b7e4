/**
 * The size of the TensorFlow.js WASM backend's heap (its one WebAssembly memory: the
 * convolutions' weights, XNNPACK's packed copies, activations), for memory reports; null when
 * another backend is active.
 *
 * @module
 */
import * as tf from "./tensorflow.ts";

/**
 * @example
 * ```ts
 * const bytes = wasmHeapBytes(); // e.g. 41_943_040
 * ```
 */
export function wasmHeapBytes(): number | null {
  if (tf.getBackend() !== "wasm") return null;
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8;
  return heap ? heap.buffer.byteLength : null;
}
