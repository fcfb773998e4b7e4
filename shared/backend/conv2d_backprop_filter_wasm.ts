/**
 * `Conv2DBackpropFilter` for the WASM backend, which ships none (so training a convolution
 * on WASM fails without it).
 *
 * The filter gradient dW[r,s,ci,co] = Σ_{n,i,j} xpad[n, i·stride + r, j·stride + s, ci] ·
 * dy[n,i,j,co] is itself a forward convolution: treat the input channels as the batch and
 * the images as channels (x → [ci,H,W,n]), use dy as the filter ([oh,ow,n,co]) dilated by the
 * stride. Forward `Conv2D` is XNNPACK's fast path, so this runs at forward-convolution speed.
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
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { releaseInfos, runWasmKernel } from "./kernel_call.ts";

function conv2dBackpropFilterWasm(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: BackendWasm;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const { inputs: { x, dy }, backend, attrs } = args;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  if (backend_util.convertConv2DDataFormat(dataFormat) !== "channelsLast") {
    throw new Error("Conv2DBackpropFilter on WASM supports only NHWC (channelsLast) data");
  }
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { top, left } = info.padInfo;
  const { strideHeight, strideWidth, filterHeight, filterWidth, outHeight, outWidth } = info;
  const [, inHeight, inWidth] = x.shape;

  // Rows/columns the forward pass never read at the bottom/right (floor rounding) must be
  // cropped; rows it read from padding must be padded.
  const bottom = filterHeight + (outHeight - 1) * strideHeight - inHeight - top;
  const right = filterWidth + (outWidth - 1) * strideWidth - inWidth - left;

  const owned: TensorInfo[] = [];
  let xT = runWasmKernel(backend, "Transpose", { x }, { perm: [3, 1, 2, 0] });
  owned.push(xT);
  if (bottom < 0 || right < 0) {
    xT = runWasmKernel(backend, "Slice", { x: xT }, {
      begin: [0, 0, 0, 0],
      size: [-1, inHeight + Math.min(bottom, 0), inWidth + Math.min(right, 0), -1],
    });
    owned.push(xT);
  }
  const dyT = runWasmKernel(backend, "Transpose", { x: dy }, { perm: [1, 2, 0, 3] });
  owned.push(dyT);
  const grad = runWasmKernel(backend, "Conv2D", { x: xT, filter: dyT }, {
    strides: [1, 1],
    dilations: [strideHeight, strideWidth],
    pad: [[0, 0], [top, Math.max(bottom, 0)], [left, Math.max(right, 0)], [0, 0]],
    dataFormat: "NHWC",
  });
  owned.push(grad);
  const out = runWasmKernel(backend, "Transpose", { x: grad }, { perm: [1, 2, 0, 3] });
  releaseInfos(backend, ...owned);
  return out;
}

/** Kernel config registered by {@linkcode registerWasmTrainingKernels}. */
export const conv2dBackpropFilterWasmConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: "wasm",
  kernelFunc: conv2dBackpropFilterWasm as unknown as KernelFunc,
};
