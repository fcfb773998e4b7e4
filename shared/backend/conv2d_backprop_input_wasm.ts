/**
 * A fast `Conv2DBackpropInput` for the WASM backend.
 *
 * The backend's own kernel runs a slow generic loop (PERF-NOTES.md: 4.4 s against 0.4 s for
 * conv2's input gradient). For stride 1 the input gradient is a forward convolution of dy
 * with the kernel flipped in space and its in/out channels swapped, which runs on XNNPACK.
 * Strided convolutions keep the original kernel: in AlexNet only conv1 is strided, and its
 * input gradient (with respect to the image) is never computed during training.
 *
 * @module
 */
import {
  backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from "./tensorflow.ts";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { type KernelCall, releaseInfos, runWasmKernel } from "./kernel_call.ts";

/** Builds the replacement, falling back to `original` for strided convolutions. */
export function conv2dBackpropInputWasmConfig(original: KernelCall): KernelConfig {
  function conv2dBackpropInputWasm(args: {
    inputs: { dy: TensorInfo; filter: TensorInfo };
    backend: BackendWasm;
    attrs: Conv2DBackpropInputAttrs;
  }): TensorInfo {
    const { inputs: { dy, filter }, backend, attrs } = args;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
    const info = backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      backend_util.convertConv2DDataFormat(dataFormat),
    );
    const padBefore = [info.filterHeight - 1 - info.padInfo.top, info.filterWidth - 1 - info.padInfo.left];
    if (
      info.strideHeight !== 1 || info.strideWidth !== 1 || info.dataFormat !== "channelsLast" ||
      padBefore[0] < 0 || padBefore[1] < 0
    ) {
      return original(args as unknown as Parameters<KernelCall>[0]);
    }
    // Full correlation: dx[y] = Σ_r dy[y + top - r]·W[r] = Σ_r' dy[y - padBefore + r']·Wflip[r'].
    const padAfter = [
      info.inHeight - info.outHeight - padBefore[0] + info.filterHeight - 1,
      info.inWidth - info.outWidth - padBefore[1] + info.filterWidth - 1,
    ];
    const owned: TensorInfo[] = [];
    let source = dy;
    if (padAfter[0] < 0 || padAfter[1] < 0) {
      source = runWasmKernel(backend, "Slice", { x: dy }, {
        begin: [0, 0, 0, 0],
        size: [-1, info.outHeight + Math.min(padAfter[0], 0), info.outWidth + Math.min(padAfter[1], 0), -1],
      });
      owned.push(source);
    }
    const flipped = runWasmKernel(backend, "Reverse", { x: filter }, { dims: [0, 1] });
    const swapped = runWasmKernel(backend, "Transpose", { x: flipped }, { perm: [0, 1, 3, 2] });
    owned.push(flipped, swapped);
    const out = runWasmKernel(backend, "Conv2D", { x: source, filter: swapped }, {
      strides: [1, 1],
      dilations: [1, 1],
      pad: [[0, 0], [padBefore[0], Math.max(padAfter[0], 0)], [padBefore[1], Math.max(padAfter[1], 0)], [0, 0]],
      dataFormat: "NHWC",
    });
    releaseInfos(backend, ...owned);
    return out;
  }
  return {
    kernelName: Conv2DBackpropInput,
    backendName: "wasm",
    kernelFunc: conv2dBackpropInputWasm as unknown as KernelFunc,
  };
}
