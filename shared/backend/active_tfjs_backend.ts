/**
 * Which TF.js backend this process has active, read from TF.js's global engine (`_tfengine`,
 * which TF.js registers on the global object when it is imported) without importing TF.js — so
 * code that may never need TF.js (inference on the SIMD kernels, the edge function) can ask.
 *
 * @module
 */

/** TF.js's engine, as much of it as is read here. */
interface GlobalEngine {
  backendName?: string;
  backendInstance?: unknown;
}

import type { OneDnn } from "./onednn_library.ts";

/** oneDNN while its kernels are registered over the WASM backend's (`native_kernels.ts`), else null. */
let nativeKernels: OneDnn | null = null;

/** Records whether oneDNN's kernels run the WASM backend's heavy ops (the native rung). */
export function markNativeKernels(dnnl: OneDnn | null): void {
  nativeKernels = dnnl;
}

/**
 * oneDNN while the native rung is chosen, else null — for code outside TF.js that can use it
 * too (the dense head's float32 products).
 */
export function nativeLibrary(): OneDnn | null {
  return nativeKernels;
}

/**
 * The active backend by TF.js's name (`wasm`, `webgpu`, `tensorflow`, `webgl`, `cpu`) — or
 * `native` for WASM with oneDNN's kernels — or null when TF.js was never loaded or has no
 * backend yet.
 *
 * @example
 * ```ts
 * if (activeTfjsBackend() === null) console.log("TF.js is not in use");
 * ```
 */
export function activeTfjsBackend(): string | null {
  const engine = (globalThis as { _tfengine?: GlobalEngine })._tfengine;
  if (engine?.backendInstance == null) return null;
  return engine.backendName === "wasm" && nativeKernels !== null ? "native" : engine.backendName ?? null;
}
