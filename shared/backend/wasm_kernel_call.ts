/**
 * Calls another kernel of the WASM backend directly on `TensorInfo`s, the way the backend's
 * own kernels compose, so a replacement kernel can be built from fast ones without going
 * through the engine (no tape, no extra tensors to track).
 *
 * @module
 */
import { getKernel, type NamedAttrMap, type TensorInfo } from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

/** A kernel function as stored in the registry, called with TensorInfos. */
export type WasmKernelFunc = (args: {
  inputs: Record<string, TensorInfo>;
  backend: BackendWasm;
  attrs: NamedAttrMap;
}) => TensorInfo;

/**
 * Looks up the currently registered WASM kernel `kernelName`.
 *
 * @example
 * ```ts
 * const conv = wasmKernel("Conv2D");
 * ```
 */
export function wasmKernel(kernelName: string): WasmKernelFunc {
  const config = getKernel(kernelName, "wasm");
  if (config === undefined) {
    throw new Error(`WASM kernel ${kernelName} is not registered; load @tensorflow/tfjs-backend-wasm first`);
  }
  return config.kernelFunc as unknown as WasmKernelFunc;
}

/**
 * Runs WASM kernel `kernelName` on `inputs` with `attrs`, returning its output `TensorInfo`.
 * The caller owns the output and releases it with {@linkcode releaseInfos}.
 */
export function runWasmKernel(
  backend: BackendWasm,
  kernelName: string,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap = {},
): TensorInfo {
  return wasmKernel(kernelName)({ inputs, backend, attrs });
}

/** Releases intermediate outputs made by {@linkcode runWasmKernel}. */
export function releaseInfos(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}
