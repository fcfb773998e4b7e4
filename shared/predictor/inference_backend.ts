/**
 * The backend choice of a process that only runs inference (`serve:inference`, `predict`):
 * on a CPU the convolutions and fc6–fc8 run on this project's WebAssembly SIMD kernels, so
 * `wasm` — and `auto` where there is no GPU device and no tfjs-node — is chosen without loading
 * TF.js at all (about 80 MiB of code and heap not spent). Any other rung is TF.js's, chosen by
 * `selectBackend`, and the convolutions of float checkpoints then run as TF.js layers on it.
 *
 * @module
 */
import type { BackendChoice, BackendName } from "../backend/backend_names.ts";
import { nodePackageSpecifier, noGpuDevice } from "../backend/gpu_probe.ts";

const SIMD = "the SIMD kernels, TF.js not loaded";

/**
 * @example
 * ```ts
 * console.error(describeBackendChoice(await selectInferenceBackend("auto")));
 * ```
 */
export async function selectInferenceBackend(requested: BackendName): Promise<BackendChoice> {
  const simd = (reasons: string[]): BackendChoice => ({
    requested,
    name: "wasm",
    tfjsName: "none",
    reasons,
    shaderF16: false,
  });
  if (requested === "wasm") return simd([`wasm: ${SIMD}`]);
  if (requested === "auto") {
    const gpu = nodePackageSpecifier("tensorflow-gpu"), node = nodePackageSpecifier("tensorflow");
    if (gpu === null && node === null && await noGpuDevice()) {
      return simd([
        "tensorflow-gpu: skipped, not installed",
        "webgpu: skipped, no GPU device on this machine (/dev/dri/renderD*, /dev/nvidia*)",
        "tensorflow: skipped, not installed",
        `wasm: chosen (${SIMD})`,
      ]);
    }
  }
  const { selectBackend } = await import("../backend/select_backend.ts");
  return await selectBackend(requested);
}
