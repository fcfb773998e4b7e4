/**
 * `MaxPoolGrad` for WebGPU as a forward pass that records each window's argmax (the flat
 * position of its first maximum in the image, as the CPU backend picks it), then one gather per
 * input element over the few windows that contain it, in integer arithmetic. TF.js's own kernel
 * records window-relative positions and divides in floating point for every window element; it
 * took 1,168 ms against a 25 ms forward pass for 3×3/2 on 128×55×55×64 on an H200 (issue #13).
 * On lavapipe this one takes 110 ms where TF.js's takes 135 ms (32×55×55×32; the forward pass
 * 37 ms); the H200 figure is still to be measured.
 *
 * @module
 */
import {
  backend_util,
  type KernelConfig,
  type KernelFunc,
  MaxPoolGrad,
  type MaxPoolGradAttrs,
  type TensorInfo,
} from "./tensorflow.ts";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { flatProgram, type WebGPUProgram } from "./flat_webgpu_program.ts";

const GEOMETRY =
  "strides : vec2<i32>, pads : vec2<i32>, filterDims : vec2<i32>, inDims : vec2<i32>, outDims : vec2<i32>,";

/** Per output window: the flat position `row * width + col` in its image of the window's first maximum. */
function argmaxProgram(outShape: number[]): WebGPUProgram {
  return flatProgram({
    inputs: ["x"],
    uniforms: GEOMETRY,
    shape: outShape,
    workgroup: 128,
    shaderKey: "alexnetEdgeMaxPoolArgmax",
    code: `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let coords = getCoordsFromIndex(index);
          let corner = vec2<i32>(coords.yz) * uniforms.strides - uniforms.pads;
          var best = 0.0;
          var found = false;
          var position = -1;
          for (var wR = 0; wR < uniforms.filterDims.x; wR++) {
            let r = corner.x + wR;
            if (r < 0 || r >= uniforms.inDims.x) { continue; }
            for (var wC = 0; wC < uniforms.filterDims.y; wC++) {
              let c = corner.y + wC;
              if (c < 0 || c >= uniforms.inDims.y) { continue; }
              let value = getX(coords[0], r, c, coords[3]);
              if (!found || value > best) {
                best = value;
                found = true;
                position = r * uniforms.inDims.y + c;
              }
            }
          }
          setOutputAtIndexI32(index, position);
        }
      }`,
  });
}

/** Per input element: the sum of dy over the windows whose argmax it is. */
function gatherProgram(inShape: number[]): WebGPUProgram {
  return flatProgram({
    inputs: ["dy", "argmax"],
    uniforms: GEOMETRY,
    shape: inShape,
    workgroup: 128,
    shaderKey: "alexnetEdgeMaxPoolGather",
    code: `
      // The windows of stride s and size f that contain p (padded coordinates): ceil((p − f + 1) / s) … floor(p / s).
      fn firstWindow(p : i32, f : i32, s : i32) -> i32 {
        let q = p - f + 1;
        return select(0, (q + s - 1) / s, q > 0);
      }
      fn main(index : i32) {
        if (index < uniforms.size) {
          let coords = getCoordsFromIndex(index);
          let r = coords[1];
          let c = coords[2];
          let here = r * uniforms.inDims.y + c;
          let pr = r + uniforms.pads.x;
          let pc = c + uniforms.pads.y;
          let rowEnd = min(pr / uniforms.strides.x, uniforms.outDims.x - 1);
          let colEnd = min(pc / uniforms.strides.y, uniforms.outDims.y - 1);
          var sum = 0.0;
          for (var oy = firstWindow(pr, uniforms.filterDims.x, uniforms.strides.x); oy <= rowEnd; oy++) {
            for (var ox = firstWindow(pc, uniforms.filterDims.y, uniforms.strides.y); ox <= colEnd; ox++) {
              if (i32(getArgmax(coords[0], oy, ox, coords[3])) == here) {
                sum = sum + getDy(coords[0], oy, ox, coords[3]);
              }
            }
          }
          setOutputAtIndex(index, sum);
        }
      }`,
  });
}

function maxPoolGradWebgpu(args: {
  inputs: { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
  backend: WebGPUBackend;
  attrs: MaxPoolGradAttrs;
}): TensorInfo {
  const { inputs: { dy, input }, backend, attrs } = args;
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const uniforms: Parameters<WebGPUBackend["runWebGPUProgram"]>[3] = [
    { type: "int32", data: [info.strideHeight, info.strideWidth] },
    { type: "int32", data: [info.padInfo.top, info.padInfo.left] },
    { type: "int32", data: [info.filterHeight, info.filterWidth] },
    { type: "int32", data: [info.inHeight, info.inWidth] },
    { type: "int32", data: [info.outHeight, info.outWidth] },
  ];
  const argmax = backend.runWebGPUProgram(argmaxProgram(info.outShape), [input], "int32", uniforms);
  try {
    return backend.runWebGPUProgram(gatherProgram(info.inShape), [dy, argmax], "float32", uniforms);
  } finally {
    backend.disposeData(argmax.dataId);
  }
}

/** The kernel to register for the WebGPU backend. */
export const maxPoolGradWebgpuConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: "webgpu",
  kernelFunc: maxPoolGradWebgpu as unknown as KernelFunc,
};
