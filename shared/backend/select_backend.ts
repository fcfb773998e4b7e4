/**
 * Chooses and initialises the TensorFlow.js backend (DESIGN.md, "Backends").
 *
 * `auto` walks the ladder tfjs-node-gpu → WebGPU (a real adapter, not a software fallback) →
 * tfjs-node → native (WASM with oneDNN's kernels, where libdnnl is installed and FFI allowed) →
 * WASM → pure-JS CPU and says why it took each step. tfjs-node(-gpu) download
 * libtensorflow when installed, so they are optional: they load only when the project's
 * import map names them, and asking for one that is absent is a one-line error.
 *
 * @module
 */
import * as tf from "./tensorflow.ts";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { type BackendChoice, type BackendName, BackendUnavailableError } from "./backend_names.ts";
import { NODE_PACKAGES, nodePackageSpecifier, noGpuDevice } from "./gpu_probe.ts";
import { registerWasmTrainingKernels } from "./register_wasm_training_kernels.ts";

async function tryNode(kind: "tensorflow-gpu" | "tensorflow"): Promise<string | null> {
  const pkg = NODE_PACKAGES[kind];
  const specifier = nodePackageSpecifier(kind);
  if (specifier === null) {
    return `${pkg} is not installed; on a machine that can download libtensorflow add ` +
      `"${pkg}": "npm:${pkg}@4.22.0" to deno.json imports and run ` +
      `\`deno install --allow-scripts=npm:${pkg}\``;
  }
  try {
    await import(specifier);
    if (!(await tf.setBackend("tensorflow"))) return `${pkg} loaded but its backend failed to start`;
    return null;
  } catch (error) {
    return `${pkg} failed to load (${(error as Error).message.split("\n")[0]})`;
  }
}

async function tryWebgpu(requireRealAdapter: boolean, shaderF16: boolean): Promise<string | null> {
  // deno-lint-ignore no-explicit-any
  const gpu = (globalThis.navigator as any)?.gpu;
  if (!gpu) return "this runtime has no navigator.gpu";
  if (requireRealAdapter && await noGpuDevice()) {
    return "no GPU device on this machine (/dev/dri/renderD*, /dev/nvidia*)";
  }
  const adapter = await gpu.requestAdapter();
  if (!adapter) return "navigator.gpu offers no adapter";
  const info = adapter.info ?? {};
  if (requireRealAdapter && info.isFallbackAdapter) {
    return `the only WebGPU adapter is a software fallback (${info.description || "unnamed"})`;
  }
  // Loaded only here, so a process that never asks for WebGPU (the edge function) never loads it.
  await import("@tensorflow/tfjs-backend-webgpu");
  const { deviceHasShaderF16, registerWebgpuBackend, useHalfPrecision } = await import("./webgpu_device.ts");
  const { registerWebgpuTrainingKernels } = await import("./register_webgpu_training_kernels.ts");
  registerWebgpuBackend();
  if (!(await tf.setBackend("webgpu"))) return "the WebGPU backend failed to initialise";
  await registerWebgpuTrainingKernels();
  if (shaderF16 && !deviceHasShaderF16()) {
    return `the adapter (${info.description || info.vendor || "unnamed"}) does not offer shader-f16`;
  }
  useHalfPrecision(shaderF16);
  return null;
}

let wasmPathsSet = false;
/** The native kernels' module, once native has been chosen (so plain WASM can put its own kernels back). */
let nativeKernels: typeof import("./native_kernels.ts") | null = null;

async function tryWasm(): Promise<string | null> {
  if (!wasmPathsSet) {
    // The .wasm binaries sit beside the package's entry file; Deno's fetch reads file: URLs.
    setWasmPaths(new URL("./", import.meta.resolve("@tensorflow/tfjs-backend-wasm")).href);
    wasmPathsSet = true;
  }
  if (!(await tf.setBackend("wasm"))) return "the WASM backend failed to initialise";
  registerWasmTrainingKernels();
  nativeKernels?.useNativeKernels(null);
  return null;
}

/** WASM with its heavy kernels on oneDNN (through FFI), where the library is installed. */
async function tryNative(): Promise<string | null> {
  const { OneDnn } = await import("./onednn_library.ts");
  const dnnl = OneDnn.open();
  if (typeof dnnl === "string") return dnnl;
  const failure = await tryWasm();
  if (failure !== null) return failure;
  nativeKernels = await import("./native_kernels.ts");
  nativeKernels.useNativeKernels(dnnl);
  return null;
}

async function tryCpu(): Promise<string | null> {
  await import("@tensorflow/tfjs-backend-cpu"); // registers "cpu"
  return (await tf.setBackend("cpu")) ? null : "the CPU backend failed to initialise";
}

async function attempt(
  name: Exclude<BackendName, "auto">,
  auto: boolean,
  options: SelectBackendOptions,
): Promise<string | null> {
  switch (name) {
    case "tensorflow-gpu":
    case "tensorflow":
      return await tryNode(name);
    case "webgpu":
      return await tryWebgpu(auto, options.shaderF16 ?? false);
    case "native":
      return await tryNative();
    case "wasm":
      return await tryWasm();
    case "cpu":
      return await tryCpu();
  }
}

const AUTO_LADDER: Exclude<BackendName, "auto">[] = ["tensorflow-gpu", "webgpu", "tensorflow", "native", "wasm", "cpu"];

/** How to set up the chosen backend. */
export interface SelectBackendOptions {
  /**
   * WebGPU only: run this project's filter-gradient GEMM in half precision (`shader-f16`);
   * refused where the adapter lacks the feature.
   */
  shaderF16?: boolean;
}

/**
 * Activates the requested backend. `auto` takes the first rung that works.
 *
 * @example
 * ```ts
 * const choice = await selectBackend("auto");
 * console.error(`backend: ${choice.name} (${choice.reasons.at(-1)})`);
 * ```
 */
export async function selectBackend(
  requested: BackendName,
  options: SelectBackendOptions = {},
): Promise<BackendChoice> {
  if (options.shaderF16 && requested !== "webgpu") {
    throw new BackendUnavailableError(`shader-f16 needs the webgpu backend, not ${requested}`);
  }
  const reasons: string[] = [];
  const rungs = requested === "auto" ? AUTO_LADDER : [requested];
  for (const rung of rungs) {
    const failure = await attempt(rung, requested === "auto", options);
    if (failure === null) {
      reasons.push(`${rung}: chosen`);
      await tf.ready();
      return { requested, name: rung, tfjsName: tf.getBackend(), reasons, shaderF16: options.shaderF16 ?? false };
    }
    if (requested !== "auto") throw new BackendUnavailableError(`backend ${rung} is unavailable: ${failure}`);
    reasons.push(`${rung}: skipped, ${failure}`);
  }
  throw new BackendUnavailableError(`no backend could start: ${reasons.join("; ")}`);
}
