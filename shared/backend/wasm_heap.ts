/**
 * The TensorFlow.js WASM backend's heap (its one WebAssembly memory: the convolutions' weights,
 * XNNPACK's packed copies, activations): its size, for memory reports, and float32 tensors'
 * values as views of it, for updates in place (the optimizer's). Null when another backend is
 * active.
 *
 * @module
 */
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
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

/**
 * The values of float32 `tensors` as views of the WASM heap — valid until the heap next grows, so
 * read and write them before allocating another tensor — or null unless WASM is the backend and
 * each tensor in `exclusive` alone holds its data (a variable assigned from another tensor shares
 * that tensor's memory, and writing it would change both).
 *
 * @example
 * ```ts
 * const views = wasmHeapViews([weight, velocity], [gradient]);
 * ```
 */
export function wasmHeapViews(exclusive: tf.Tensor[], shared: tf.Tensor[] = []): Float32Array[] | null {
  if (tf.getBackend() !== "wasm") return null;
  const backend = tf.backend() as unknown as BackendWasm;
  const all = [...exclusive, ...shared];
  if (all.some((t) => t.dtype !== "float32" || t.isDisposed)) return null;
  if (exclusive.some((t) => backend.refCount(t.dataId) !== 1)) return null;
  return all.map((t) => backend.typedArrayFromHeap(t) as Float32Array);
}
