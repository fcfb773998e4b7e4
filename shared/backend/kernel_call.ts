/**
 * Calls another kernel of a backend directly on `TensorInfo`s, the way the backends' own
 * kernels compose, so a replacement kernel can be built from fast ones without going through
 * the engine (no tape, no extra tensors to track).
 *
 * @module
 */
import { getKernel, type KernelBackend, type NamedAttrMap, type TensorInfo } from "./tensorflow.ts";

/** A kernel function as stored in the registry, called with TensorInfos. */
export type KernelCall = (args: {
  inputs: Record<string, TensorInfo>;
  backend: KernelBackend;
  attrs: NamedAttrMap;
}) => TensorInfo;

/**
 * Looks up the currently registered kernel `kernelName` of `backendName`.
 *
 * @example
 * ```ts
 * const conv = registeredKernel("Conv2D", "wasm");
 * ```
 */
export function registeredKernel(kernelName: string, backendName: string): KernelCall {
  const config = getKernel(kernelName, backendName);
  if (config === undefined) {
    throw new Error(`kernel ${kernelName} is not registered for ${backendName}; load its backend first`);
  }
  return config.kernelFunc as unknown as KernelCall;
}

/**
 * Runs kernel `kernelName` of the backend `backend` belongs to (`backendName`) on `inputs`;
 * the caller owns the output and releases it with {@linkcode releaseInfos}.
 */
export function runKernel(
  backendName: string,
  backend: KernelBackend,
  kernelName: string,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap = {},
): TensorInfo {
  return registeredKernel(kernelName, backendName)({ inputs, backend, attrs });
}

/** Releases intermediate outputs made by {@linkcode runKernel}. */
export function releaseInfos(backend: KernelBackend, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** {@linkcode registeredKernel} for the WASM backend. */
export function wasmKernel(kernelName: string): KernelCall {
  return registeredKernel(kernelName, "wasm");
}

/** {@linkcode runKernel} on the WASM backend. */
export function runWasmKernel(
  backend: KernelBackend,
  kernelName: string,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap = {},
): TensorInfo {
  return runKernel("wasm", backend, kernelName, inputs, attrs);
}
