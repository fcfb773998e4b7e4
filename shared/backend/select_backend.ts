/**
 * Chooses and initialises the TensorFlow.js backend (DESIGN.md, "Backends").
 *
 * `auto` walks the ladder tfjs-node-gpu → WebGPU (a real adapter, not a software fallback) →
 * tfjs-node → WASM → pure-JS CPU and says why it took each step. tfjs-node(-gpu) download
 * libtensorflow when installed, so they are optional: they load only when the project's
 * import map names them, and asking for one that is absent is a one-line error.
 *
 * @module
 */
import * as tf from "./tensorflow.ts";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { UsageError } from "../cli/usage_error.ts";
import { registerWasmTrainingKernels } from "./register_wasm_training_kernels.ts";

/** Every value `--backend` accepts. */
export const BACKEND_NAMES = ["auto", "tensorflow-gpu", "tensorflow", "webgpu", "wasm", "cpu"] as const;
/** A value of `--backend`. */
export type BackendName = typeof BACKEND_NAMES[number];

/** Validates a `--backend` flag value (absent means `auto`); a wrong one is a usage error. */
export function parseBackendName(value: string | undefined): BackendName {
  const name = value ?? "auto";
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`--backend must be one of ${BACKEND_NAMES.join(", ")}, got "${value}"`);
  }
  return name as BackendName;
}

/** What {@linkcode selectBackend} chose, and the reasons for each rung it skipped. */
export interface BackendChoice {
  /** The backend the user asked for. */
  requested: BackendName;
  /** The backend now active. */
  name: Exclude<BackendName, "auto">;
  /** tfjs's own name for it (`tensorflow`, `webgpu`, `wasm`, `cpu`). */
  tfjsName: string;
  /** One line per rung tried, ending with the one chosen. */
  reasons: string[];
  /** WebGPU: the filter-gradient GEMM runs in half precision (`shader-f16`). */
  shaderF16: boolean;
}

/** A backend that was asked for explicitly and cannot run here (a CLI prints it on one line, exit 2). */
export class BackendUnavailableError extends UsageError {
  override name = "BackendUnavailableError";
}

const NODE_PACKAGES = {
  "tensorflow-gpu": "@tensorflow/tfjs-node-gpu",
  "tensorflow": "@tensorflow/tfjs-node",
} as const;

async function tryNode(kind: "tensorflow-gpu" | "tensorflow"): Promise<string | null> {
  const pkg = NODE_PACKAGES[kind];
  let specifier: string;
  try {
    specifier = import.meta.resolve(pkg);
  } catch {
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

/**
 * On Linux a GPU shows as a device node (`/dev/dri/renderD*`, `/dev/nvidia*`); with none there
 * is no hardware adapter to find, and asking for one would only load a software Vulkan driver
 * (Mesa's lavapipe maps about 55 MiB of LLVM into the process, measured here) to be refused.
 */
async function noGpuDevice(): Promise<boolean> {
  if (Deno.build.os !== "linux") return false;
  const names = async (dir: string) => {
    const out: string[] = [];
    try {
      for await (const entry of Deno.readDir(dir)) out.push(entry.name);
    } catch { /* no such folder, or not allowed to look: keep probing */ }
    return out;
  };
  const [dri, dev] = await Promise.all([names("/dev/dri"), names("/dev")]);
  return !dri.some((n) => n.startsWith("renderD")) && !dev.some((n) => n.startsWith("nvidia"));
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
async function tryWasm(): Promise<string | null> {
  if (!wasmPathsSet) {
    // The .wasm binaries sit beside the package's entry file; Deno's fetch reads file: URLs.
    setWasmPaths(new URL("./", import.meta.resolve("@tensorflow/tfjs-backend-wasm")).href);
    wasmPathsSet = true;
  }
  if (!(await tf.setBackend("wasm"))) return "the WASM backend failed to initialise";
  registerWasmTrainingKernels();
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
    case "wasm":
      return await tryWasm();
    case "cpu":
      return await tryCpu();
  }
}

/**
 * Makes sure TF.js has a backend: the one this process chose (by {@linkcode selectBackend}, or
 * directly through TF.js as the browser page does), else `fallback` activated now — a process
 * that needs TF.js only for some checkpoints, like the edge function, chooses on first need.
 */
export async function ensureBackend(fallback: BackendName = "wasm"): Promise<void> {
  const active = (tf.engine() as unknown as { backendInstance: unknown }).backendInstance != null;
  if (!active) await selectBackend(fallback);
}

const AUTO_LADDER: Exclude<BackendName, "auto">[] = ["tensorflow-gpu", "webgpu", "tensorflow", "wasm", "cpu"];

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

/** One log line describing a choice, e.g. `backend wasm (auto: tensorflow-gpu: skipped, …)`. */
export function describeBackendChoice(choice: BackendChoice): string {
  const half = choice.shaderF16 ? ", filter gradients in shader-f16" : "";
  return choice.requested === "auto"
    ? `backend ${choice.name} (auto: ${choice.reasons.join("; ")})`
    : `backend ${choice.name} (requested${half})`;
}
