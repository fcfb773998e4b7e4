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

/**
 * TF.js's name of the active backend (`wasm`, `webgpu`, `tensorflow`, `webgl`, `cpu`), or null
 * when TF.js was never loaded or has no backend yet.
 *
 * @example
 * ```ts
 * if (activeTfjsBackend() === null) console.log("TF.js is not in use");
 * ```
 */
export function activeTfjsBackend(): string | null {
  const engine = (globalThis as { _tfengine?: GlobalEngine })._tfengine;
  return engine?.backendInstance != null ? engine.backendName ?? null : null;
}
