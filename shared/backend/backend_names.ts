/**
 * The names `--backend` accepts, what a choice among them reports, and its log line — without
 * TF.js, so that a process can parse the flag and say what it chose before deciding whether to
 * load TF.js at all (inference on the SIMD kernels never does).
 *
 * @module
 */
import { UsageError } from "../cli/usage_error.ts";

/** Every value `--backend` accepts. */
export const BACKEND_NAMES = ["auto", "tensorflow-gpu", "tensorflow", "webgpu", "native", "wasm", "cpu"] as const;
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

/** What a backend choice took, and the reasons for each rung it skipped. */
export interface BackendChoice {
  /** The backend the user asked for. */
  requested: BackendName;
  /** The backend now active. */
  name: Exclude<BackendName, "auto">;
  /** tfjs's own name for it (`tensorflow`, `webgpu`, `wasm` — also native's —, `cpu`), or `none` where TF.js was not loaded. */
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

/** One log line describing a choice, e.g. `backend wasm (auto: tensorflow-gpu: skipped, …)`. */
export function describeBackendChoice(choice: BackendChoice): string {
  const half = choice.shaderF16 ? ", filter gradients in shader-f16" : "";
  return choice.requested === "auto"
    ? `backend ${choice.name} (auto: ${choice.reasons.join("; ")})`
    : `backend ${choice.name} (requested${half}${choice.tfjsName === "none" ? `; ${choice.reasons.at(-1)}` : ""})`;
}
