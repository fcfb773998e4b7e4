/**
 * `LRNGrad` for WebGPU in O(window²) per element instead of TF.js's O(channels²).
 *
 * With y[d] = x[d]·N[d]^−β and N[d] = bias + α·Σ_{j near d} x[j]² (the paper's §3.3 with
 * k = bias, n = 2·radius + 1), the input gradient is
 *
 *   dx[c] = dy[c]·N[c]^−β − 2αβ·x[c]·Σ_{d near c} dy[d]·y[d] / N[d],
 *
 * a sum over the 2·radius + 1 neighbouring channels, each needing its own window sum. TF.js's
 * kernel walks every channel d for every element and, inside, every channel again up to d's
 * window: for conv1's 96 channels about 4,600 steps per element where the paper's window
 * (radius 2) needs 30.
 *
 * @module
 */
import type { KernelConfig, KernelFunc, LRNGradAttrs, TensorInfo } from "./tensorflow.ts";
import { LRNGrad } from "./tensorflow.ts";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { flatProgram, type WebGPUProgram } from "./flat_webgpu_program.ts";

function lrnGradProgram(shape: number[]): WebGPUProgram {
  return flatProgram({
    inputs: ["x", "y", "dy"],
    uniforms: "radius : i32, bias : f32, alpha : f32, beta : f32,",
    shape,
    workgroup: 64,
    shaderKey: "alexnetEdgeLrnGrad",
    code: `
      // N[d] for the pixel whose channel 0 is at base.
      fn norm(base : i32, d : i32, channels : i32) -> f32 {
        var squares = 0.0;
        for (var j = max(0, d - uniforms.radius); j <= min(channels - 1, d + uniforms.radius); j++) {
          let v = x[base + j];
          squares = fma(v, v, squares);
        }
        return uniforms.bias + uniforms.alpha * squares;
      }

      fn main(index : i32) {
        if (index < uniforms.size) {
          let channels = uniforms.xShape[3];
          let c = index % channels;
          let base = index - c;
          var neighbours = 0.0;
          for (var d = max(0, c - uniforms.radius); d <= min(channels - 1, c + uniforms.radius); d++) {
            neighbours += dy[base + d] * y[base + d] / norm(base, d, channels);
          }
          let own = exp2(-uniforms.beta * log2(norm(base, c, channels)));
          setOutputAtIndex(index, dy[index] * own - 2.0 * uniforms.alpha * uniforms.beta * x[index] * neighbours);
        }
      }`,
  });
}

function lrnGradWebgpu(args: {
  inputs: { x: TensorInfo; y: TensorInfo; dy: TensorInfo };
  backend: WebGPUBackend;
  attrs: LRNGradAttrs;
}): TensorInfo {
  const { inputs: { x, y, dy }, backend, attrs } = args;
  return backend.runWebGPUProgram(lrnGradProgram(x.shape), [x, y, dy], "float32", [
    { type: "int32", data: [attrs.depthRadius] },
    { type: "float32", data: [attrs.bias] },
    { type: "float32", data: [attrs.alpha] },
    { type: "float32", data: [attrs.beta] },
  ]);
}

/** The kernel to register for the WebGPU backend. */
export const lrnGradWebgpuConfig: KernelConfig = {
  kernelName: LRNGrad,
  backendName: "webgpu",
  kernelFunc: lrnGradWebgpu as unknown as KernelFunc,
};
