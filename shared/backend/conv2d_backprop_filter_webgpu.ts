/**
 * `Conv2DBackpropFilter` for WebGPU as a tiled implicit GEMM with split K.
 *
 * The filter gradient is a product: dW[m, n] = Σₖ A[m, k] · dy[k, n], where m runs over a
 * filter's (row, column, input channel), n over output channels and k over every output
 * position of every image (batch × outHeight × outWidth); A[m, k] is the input pixel that
 * filter tap m saw at position k (im2col, never written out). TF.js's own kernel gives each
 * of the filter's elements one thread that walks all of k alone: for conv1 at batch 128 that
 * is 35k threads each summing 387k products, with no reuse of what a neighbour loaded — the
 * H200 measured it at 157 ms, about 0.1 TFLOPS (issue #13).
 *
 * Here a workgroup of 8×8 threads computes a 32×32 tile of dW, 4×4 per thread, staging
 * 32-deep slices of A and dy in workgroup memory so each loaded value serves 32 products.
 * Because M·N is small and K large, K is also split into slices that run side by side;
 * each writes its own partial tile and one `Sum` over the slices finishes the gradient.
 *
 * @module
 */
import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from "./tensorflow.ts";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import type { WebGPUProgram } from "./flat_webgpu_program.ts";
import { releaseInfos, runKernel } from "./kernel_call.ts";
import { F16_SHADER_MARKER, halfPrecisionWanted } from "./webgpu_device.ts";

/** Rows (filter taps) and columns (output channels) of the dW tile one workgroup computes. */
const TILE = 64;
/** Depth of the K slice staged in workgroup memory per step. */
const DEPTH = 16;
/** Threads per tile edge: 8×8 threads, each computing 8×8 outputs. */
const THREADS = 8;
const PER_THREAD = TILE / THREADS;
/** Aim for at least this many workgroups in flight when splitting K. */
const TARGET_WORKGROUPS = 256;
/** A K slice shorter than this is not worth its own partial tile. */
const MIN_SLICE = 1024;

/** How many K slices to run side by side: enough workgroups, each slice long enough, partials within a binding. */
export function kSplits(m: number, n: number, k: number, maxBindingBytes: number): number {
  const tiles = Math.ceil(m / TILE) * Math.ceil(n / TILE);
  const wanted = Math.ceil(TARGET_WORKGROUPS / tiles);
  const longEnough = Math.max(1, Math.floor(k / MIN_SLICE));
  const fitsBinding = Math.max(1, Math.floor(maxBindingBytes / (m * n * 4)));
  return Math.max(1, Math.min(wanted, longEnough, fitsBinding));
}

/** `f(i, j)` for every output a thread owns, joined as lines of WGSL. */
function perOutput(f: (i: number, j: number) => string): string {
  const lines: string[] = [];
  for (let i = 0; i < PER_THREAD; i++) for (let j = 0; j < PER_THREAD; j++) lines.push(f(i, j));
  return lines.join("\n");
}

/**
 * `f16`: the staged tiles hold half floats and each 16-deep block of products is summed in
 * half precision (WGSL's `shader-f16`) before it joins the single-precision total.
 */
// deno-lint-ignore house/function-length -- a program description around its WGSL source (below)
function filterGradientProgram(m: number, n: number, splits: number, precision: "f32" | "f16"): WebGPUProgram {
  const half = precision === "f16";
  const element = half ? "f16" : "f32";
  // Each of the 64 threads loads one column of each staged slice (lane = its index, all DEPTH rows),
  // so its filter tap is fixed for the whole walk and its output position just advances by one per row.
  return {
    variableNames: ["x", "dy"],
    uniforms: "pads : vec2<i32>, strides : vec2<i32>, filterDims : vec2<i32>, inDims : vec3<i32>, " +
      "outDims : vec2<i32>, gemm : vec3<i32>, sliceLength : i32,",
    workgroupSize: [THREADS, THREADS, 1],
    outputShape: [splits, m, n],
    dispatchLayout: { x: [2], y: [1], z: [0] },
    dispatch: [Math.ceil(n / TILE), Math.ceil(m / TILE), splits],
    shaderKey: `alexnetEdgeConv2DFilterGemm_${precision}`,
    // deno-lint-ignore house/function-length -- the kernel's WGSL source, one template
    getUserCode: () => `
      ${half ? F16_SHADER_MARKER : ""}
      var<workgroup> tileA : array<array<${element}, ${TILE}>, ${DEPTH}>;
      var<workgroup> tileB : array<array<${element}, ${TILE}>, ${DEPTH}>;

      fn main() {
        let tx = i32(localId.x);
        let ty = i32(localId.y);
        let lane = i32(localIndex);
        let m0 = i32(workgroupId.y) * ${TILE};
        let n0 = i32(workgroupId.x) * ${TILE};
        let slice = i32(workgroupId.z);
        let kStart = slice * uniforms.sliceLength;
        let kEnd = min(uniforms.gemm.z, kStart + uniforms.sliceLength);

        // This thread's filter tap m = (tapRow, tapCol, channel), fixed for the walk.
        let mIndex = m0 + lane;
        let channels = uniforms.inDims.z;
        let channel = mIndex % channels;
        let tap = mIndex / channels;
        let tapCol = tap % uniforms.filterDims.y;
        let tapRow = tap / uniforms.filterDims.y;
        let hasTap = mIndex < uniforms.gemm.x;
        let nIndex = n0 + lane;
        let hasChannel = nIndex < uniforms.gemm.y;

        // The output position k = (image, outRow, outCol) this thread loads next.
        let positions = uniforms.outDims.x * uniforms.outDims.y;
        var image = kStart / positions;
        var outRow = (kStart - image * positions) / uniforms.outDims.y;
        var outCol = kStart - image * positions - outRow * uniforms.outDims.y;

        ${perOutput((i, j) => `var acc${i}_${j} = 0.0;`)}

        for (var k0 = kStart; k0 < kEnd; k0 += ${DEPTH}) {
          for (var depth = 0; depth < ${DEPTH}; depth++) {
            let k = k0 + depth;
            var a = 0.0;
            var b = 0.0;
            if (k < kEnd) {
              let row = outRow * uniforms.strides.x - uniforms.pads.x + tapRow;
              let col = outCol * uniforms.strides.y - uniforms.pads.y + tapCol;
              if (hasTap && row >= 0 && row < uniforms.inDims.x && col >= 0 && col < uniforms.inDims.y) {
                a = x[((image * uniforms.inDims.x + row) * uniforms.inDims.y + col) * channels + channel];
              }
              if (hasChannel) { b = dy[k * uniforms.gemm.y + nIndex]; }
            }
            tileA[depth][lane] = ${element}(a);
            tileB[depth][lane] = ${element}(b);
            outCol++;
            if (outCol == uniforms.outDims.y) {
              outCol = 0;
              outRow++;
              if (outRow == uniforms.outDims.x) { outRow = 0; image++; }
            }
          }
          workgroupBarrier();
          ${half ? perOutput((i, j) => `var part${i}_${j} = 0.0h;`) : ""}
          for (var depth = 0; depth < ${DEPTH}; depth++) {
            ${Array.from({ length: PER_THREAD }, (_, i) => `let a${i} = tileA[depth][ty + ${i * THREADS}];`).join("\n")}
            ${Array.from({ length: PER_THREAD }, (_, j) => `let b${j} = tileB[depth][tx + ${j * THREADS}];`).join("\n")}
            ${
      perOutput((i, j) =>
        half ? `part${i}_${j} = fma(a${i}, b${j}, part${i}_${j});` : `acc${i}_${j} = fma(a${i}, b${j}, acc${i}_${j});`
      )
    }
          }
          ${half ? perOutput((i, j) => `acc${i}_${j} += f32(part${i}_${j});`) : ""}
          workgroupBarrier();
        }

        ${
      perOutput((i, j) => `
        if (m0 + ty + ${i * THREADS} < uniforms.gemm.x && n0 + tx + ${j * THREADS} < uniforms.gemm.y) {
          result[(slice * uniforms.gemm.x + m0 + ty + ${i * THREADS}) * uniforms.gemm.y + n0 + tx + ${
        j * THREADS
      }] = acc${i}_${j};
        }`)
    }
      }`,
  } as unknown as WebGPUProgram;
}

function conv2dBackpropFilterGemm(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: WebGPUBackend;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const { inputs: { x, dy }, backend, attrs } = args;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
  if (info.dataFormat !== "channelsLast") {
    throw new Error("the WebGPU filter gradient supports NHWC only (the layout AlexNet uses)");
  }
  const m = info.filterHeight * info.filterWidth * info.inChannels;
  const n = info.outChannels;
  const k = info.batchSize * info.outHeight * info.outWidth;
  const maxBinding = backend.device.limits.maxStorageBufferBindingSize;
  const splits = kSplits(m, n, k, maxBinding);
  const sliceLength = Math.ceil(Math.ceil(k / splits) / DEPTH) * DEPTH;
  const used = Math.ceil(k / sliceLength);
  const partials = backend.runWebGPUProgram(
    filterGradientProgram(m, n, used, halfPrecisionWanted(backend) ? "f16" : "f32"),
    [x, dy],
    "float32",
    [
      { type: "int32", data: [info.padInfo.top, info.padInfo.left] },
      { type: "int32", data: [info.strideHeight, info.strideWidth] },
      { type: "int32", data: [info.filterHeight, info.filterWidth] },
      { type: "int32", data: [info.inHeight, info.inWidth, info.inChannels] },
      { type: "int32", data: [info.outHeight, info.outWidth] },
      { type: "int32", data: [m, n, k] },
      { type: "int32", data: [sliceLength] },
    ],
  );
  const summed = used > 1 ? runKernel("webgpu", backend, "Sum", { x: partials }, { axis: [0], keepDims: false }) : null;
  const gradient = runKernel("webgpu", backend, "Reshape", { x: summed ?? partials }, {
    shape: info.filterShape,
  });
  releaseInfos(backend, partials, ...(summed ? [summed] : []));
  return gradient;
}

/** The kernel to register for the WebGPU backend. */
export const conv2dBackpropFilterWebgpuConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: "webgpu",
  kernelFunc: conv2dBackpropFilterGemm as unknown as KernelFunc,
};
