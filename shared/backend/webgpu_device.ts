/**
 * The WebGPU device this project's backend runs on. It is TF.js's own device setup (same
 * adapter preference, features and limits) plus the `shader-f16` feature where the adapter
 * offers it, so kernels here may use half floats. TF.js composes each shader's source itself
 * and has no way to put WGSL's `enable f16;` directive first, so shader modules whose source
 * carries {@linkcode F16_SHADER_MARKER} get it prepended as they are created.
 *
 * This module does not load the WebGPU package itself (importing it registers TF.js's factory),
 * so it can sit in `shared/backend`'s front file.
 *
 * Half precision is opt-in ({@linkcode useHalfPrecision}, `train --shader-f16`): only this
 * project's filter-gradient GEMM uses it; its accuracy against single precision is measured in
 * the closing note of issue #13 and the README.
 *
 * @module
 */
import * as tf from "./tensorflow.ts";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";

/** A shader whose source contains this line is compiled with `enable f16;` first. */
export const F16_SHADER_MARKER = "// alexnet-edge: enable f16";

let halfPrecision = false;

/** Turns half-precision kernels on or off (off by default). */
export function useHalfPrecision(enabled: boolean): void {
  halfPrecision = enabled;
}

/** Whether a kernel should take its half-precision path on `backend`'s device. */
export function halfPrecisionWanted(backend: WebGPUBackend): boolean {
  return halfPrecision && backend.device.features.has("shader-f16");
}

/** Whether the active WebGPU backend's device can run half-precision shaders. */
export function deviceHasShaderF16(): boolean {
  const backend = tf.backend() as WebGPUBackend;
  return backend.device?.features.has("shader-f16") ?? false;
}

let replaced = false;

/**
 * Replaces the `webgpu` backend factory TF.js registered on import with this module's, before
 * the backend is first created. Idempotent.
 */
export function registerWebgpuBackend(): void {
  if (replaced) return;
  replaced = true;
  tf.removeBackend("webgpu");
  tf.registerBackend("webgpu", createBackend, 3);
}

async function createBackend(): Promise<WebGPUBackend> {
  // Loaded only once WebGPU is chosen: importing it registers TF.js's own WebGPU backend.
  const { WebGPUBackend } = await import("@tensorflow/tfjs-backend-webgpu");
  const gpu = (globalThis.navigator as Navigator & { gpu: GPU }).gpu;
  const adapter = await gpu.requestAdapter({
    powerPreference: tf.env().getBool("WEBGPU_USE_LOW_POWER_GPU") ? "low-power" : "high-performance",
  });
  if (!adapter) throw new Error("navigator.gpu offers no adapter");
  const wanted: GPUFeatureName[] = ["timestamp-query", "bgra8unorm-storage", "shader-f16"];
  const limits = adapter.limits;
  const device = await adapter.requestDevice({
    requiredFeatures: wanted.filter((feature) => adapter.features.has(feature)),
    requiredLimits: {
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    },
  });
  const createShaderModule = device.createShaderModule.bind(device);
  device.createShaderModule = (descriptor: GPUShaderModuleDescriptor) =>
    createShaderModule(
      descriptor.code.includes(F16_SHADER_MARKER)
        ? { ...descriptor, code: `enable f16;\n${descriptor.code}` }
        : descriptor,
    );
  return new WebGPUBackend(device, adapter.info);
}
