/**
 * The native CPU rung (`--backend native`): TF.js's WASM backend with its heavy kernels run by
 * oneDNN through Deno's FFI, on the tensors' memory in place — the WASM heap is the buffer
 * oneDNN reads and writes, so nothing is copied. Convolutions (forward with bias and ReLU, both
 * gradients), LRN (and its gradient) and the max-pooling gradient run as oneDNN primitives, matrix products as `dnnl_sgemm`, each on every core with
 * oneDNN's own threads; every other op stays on WASM. A shape or option a replacement does not
 * cover (NCHW, another activation, PReLU weights, broadcast batches) goes to the kernel it
 * replaced.
 *
 * The registry is TF.js's own: the replacements are registered over the `wasm` kernels while
 * native is chosen and the originals put back when plain WASM is chosen again. Another library
 * (cuBLAS, say) would slot in the same way: a library module, kernels over a backend's.
 *
 * @module
 */
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import {
  _FusedMatMul as FusedMatMul,
  backend_util,
  BatchMatMul,
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  FusedConv2D,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  LRN,
  LRNGrad,
  MaxPoolGrad,
  type NamedAttrMap,
  registerKernel,
  type TensorInfo,
  unregisterKernel,
} from "./tensorflow.ts";
import type { KernelCall } from "./kernel_call.ts";
import { type ConvGeometry, OneDnnConvolution } from "./onednn_convolution.ts";
import { type LrnGeometry, OneDnnLrn } from "./onednn_lrn.ts";
import { OneDnnMaxPoolGrad } from "./onednn_pooling.ts";
import type { OneDnn } from "./onednn_library.ts";
import { markNativeKernels } from "./active_tfjs_backend.ts";

type Args = { inputs: Record<string, TensorInfo | undefined>; backend: BackendWasm; attrs: NamedAttrMap };

/** The address of a tensor's values in the WASM heap (valid until the heap next grows). */
function pointerOf(backend: BackendWasm, info: TensorInfo): Deno.PointerValue {
  return Deno.UnsafePointer.of(viewOf(backend, info) as Float32Array<ArrayBuffer>);
}

/** The values of a tensor as a view of the WASM heap. */
function viewOf(backend: BackendWasm, info: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

const float32 = (...infos: (TensorInfo | undefined)[]) => infos.every((t) => t === undefined || t.dtype === "float32");

function geometryOf(info: backend_util.Conv2DInfo): ConvGeometry {
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    pad: { top: info.padInfo.top, left: info.padInfo.left, bottom: info.padInfo.bottom, right: info.padInfo.right },
  };
}

const channelsLast = (attrs: NamedAttrMap) =>
  backend_util.convertConv2DDataFormat((attrs.dataFormat as "NHWC" | "NCHW") ?? "NHWC") === "channelsLast";

function convInfo(xShape: number[], filterShape: number[], attrs: NamedAttrMap): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as [number, number] | number,
    (attrs.dilations as [number, number] | number) ?? 1,
    attrs.pad as backend_util.ExplicitPadding | "valid" | "same" | number,
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
  );
}

/** An LRN's shape and TF.js's constants (`depthRadius`, `bias`, `alpha`, `beta`; TF.js's defaults where absent). */
function lrnGeometry(x: TensorInfo, attrs: NamedAttrMap): LrnGeometry {
  const [batch, height, width, channels] = x.shape;
  return {
    batch,
    height,
    width,
    channels,
    depthRadius: (attrs.depthRadius as number | undefined) ?? 5,
    bias: (attrs.bias as number | undefined) ?? 1,
    alpha: (attrs.alpha as number | undefined) ?? 1,
    beta: (attrs.beta as number | undefined) ?? 0.5,
  };
}

/** The replacement kernels, each falling back to `original` (the kernel it replaces). */
// deno-lint-ignore house/function-length -- a table: one entry per TF.js kernel oneDNN replaces
function replacements(dnnl: OneDnn, original: (name: string) => KernelCall): Record<string, KernelFunc> {
  const convForward = (args: Args, fused: boolean): TensorInfo => {
    const { inputs: { x, filter, bias, preluActivationWeights }, backend, attrs } = args;
    const activation = (attrs.activation as string | undefined) ?? "linear";
    const supported = channelsLast(attrs) && float32(x, filter, bias) && preluActivationWeights === undefined &&
      (activation === "linear" || activation === "relu") &&
      (bias === undefined || bias.shape.length <= 1);
    if (!supported) return original(fused ? FusedConv2D : Conv2D)(args as never);
    const info = convInfo(x!.shape, filter!.shape, attrs);
    const out = backend.makeOutput(info.outShape, "float32");
    if (info.outShape.some((d) => d === 0)) return out;
    const conv = OneDnnConvolution.of(dnnl, {
      geometry: geometryOf(info),
      pass: { kind: "forward", bias: bias !== undefined, relu: activation === "relu" },
    });
    conv.run({
      src: pointerOf(backend, x!),
      weights: pointerOf(backend, filter!),
      dst: pointerOf(backend, out),
      bias: bias ? pointerOf(backend, bias) : undefined,
    });
    return out;
  };

  return {
    [Conv2D]: (args) => convForward(args as unknown as Args, false),
    [FusedConv2D]: (args) => convForward(args as unknown as Args, true),
    [Conv2DBackpropInput]: (raw) => {
      const args = raw as unknown as Args;
      const { inputs: { dy, filter }, backend, attrs } = args;
      if (!channelsLast(attrs) || !float32(dy, filter)) return original(Conv2DBackpropInput)(args as never);
      const inputShape = attrs.inputShape as number[];
      const info = convInfo(inputShape, filter!.shape, { ...attrs, dilations: 1 });
      const out = backend.makeOutput(inputShape, "float32");
      OneDnnConvolution.of(dnnl, { geometry: geometryOf(info), pass: { kind: "backwardData" } }).run({
        src: pointerOf(backend, out),
        weights: pointerOf(backend, filter!),
        dst: pointerOf(backend, dy!),
      });
      return out;
    },
    [Conv2DBackpropFilter]: (raw) => {
      const args = raw as unknown as Args;
      const { inputs: { x, dy }, backend, attrs } = args;
      if (!channelsLast(attrs) || !float32(x, dy)) return original(Conv2DBackpropFilter)(args as never);
      const filterShape = attrs.filterShape as number[];
      const info = convInfo(x!.shape, filterShape, { ...attrs, dilations: 1 });
      const out = backend.makeOutput(filterShape, "float32");
      OneDnnConvolution.of(dnnl, { geometry: geometryOf(info), pass: { kind: "backwardWeights" } }).run({
        src: pointerOf(backend, x!),
        weights: pointerOf(backend, out),
        dst: pointerOf(backend, dy!),
      });
      return out;
    },
    [LRN]: (raw) => {
      const args = raw as unknown as Args;
      const { inputs: { x }, backend, attrs } = args;
      if (!float32(x) || x!.shape.length !== 4) return original(LRN)(args as never);
      const out = backend.makeOutput(x!.shape, "float32");
      OneDnnLrn.of(dnnl, lrnGeometry(x!, attrs)).forward({ x: pointerOf(backend, x!), y: pointerOf(backend, out) });
      return out;
    },
    [LRNGrad]: (raw) => {
      const args = raw as unknown as Args;
      const { inputs: { x, dy }, backend, attrs } = args;
      if (!float32(x, dy) || x!.shape.length !== 4) return original(LRNGrad)(args as never);
      const out = backend.makeOutput(x!.shape, "float32");
      OneDnnLrn.of(dnnl, lrnGeometry(x!, attrs)).backward({
        x: pointerOf(backend, x!),
        dy: pointerOf(backend, dy!),
        dx: pointerOf(backend, out),
      });
      return out;
    },
    [MaxPoolGrad]: (raw) => {
      const args = raw as unknown as Args;
      const { inputs: { dy, input }, backend, attrs } = args;
      if (!float32(dy, input) || input!.shape.length !== 4) return original(MaxPoolGrad)(args as never);
      const info = backend_util.computePool2DInfo(
        input!.shape as [number, number, number, number],
        attrs.filterSize as [number, number] | number,
        attrs.strides as [number, number] | number,
        1,
        attrs.pad as "valid" | "same" | number,
        attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
      );
      const out = backend.makeOutput(input!.shape, "float32");
      OneDnnMaxPoolGrad.of(dnnl, {
        batch: info.batchSize,
        channels: info.inChannels,
        inHeight: info.inHeight,
        inWidth: info.inWidth,
        outHeight: info.outHeight,
        outWidth: info.outWidth,
        filterHeight: info.filterHeight,
        filterWidth: info.filterWidth,
        strideHeight: info.strideHeight,
        strideWidth: info.strideWidth,
        pad: { top: info.padInfo.top, left: info.padInfo.left, bottom: info.padInfo.bottom, right: info.padInfo.right },
      }).run({ input: pointerOf(backend, input!), dy: pointerOf(backend, dy!), dx: pointerOf(backend, out) });
      return out;
    },
    [BatchMatMul]: (raw) => matMul(dnnl, raw as unknown as Args, original(BatchMatMul), false),
    [FusedMatMul]: (raw) => matMul(dnnl, raw as unknown as Args, original(FusedMatMul), true),
  };
}

/**
 * `a·b` per batch (`dnnl_sgemm`, row-major), transposes as asked; fused: plus a bias along the
 * last axis and a ReLU. Leading (batch) axes broadcast where one operand has a single batch.
 */
function matMul(dnnl: OneDnn, args: Args, original: KernelCall, fused: boolean): TensorInfo {
  const { inputs: { a, b, bias, preluActivationWeights }, backend, attrs } = args;
  const transA = Boolean(attrs.transposeA), transB = Boolean(attrs.transposeB);
  const activation = (attrs.activation as string | undefined) ?? "linear";
  const product = (dims: number[]) => dims.reduce((p, d) => p * d, 1);
  const outerA = a!.shape.slice(0, -2), outerB = b!.shape.slice(0, -2);
  const [rowsA, colsA] = a!.shape.slice(-2), [rowsB, colsB] = b!.shape.slice(-2);
  const m = transA ? colsA : rowsA, k = transA ? rowsA : colsA, n = transB ? rowsB : colsB;
  const batchA = product(outerA), batchB = product(outerB);
  const outer = batchA === 1 ? outerB : outerA;
  const batch = product(outer);
  const supported = a!.shape.length >= 2 && b!.shape.length >= 2 && float32(a, b, bias) &&
    (batchA === batchB || batchA === 1 || batchB === 1) &&
    (batchA !== batchB || outerA.length === outerB.length) && (transB ? colsB : rowsB) === k &&
    preluActivationWeights === undefined && (activation === "linear" || activation === "relu") &&
    (bias === undefined || bias.shape.length === 0 || (bias.shape.length === 1 && bias.shape[0] === n));
  if (!supported) return original(args as never);
  const out = backend.makeOutput([...outer, m, n], "float32");
  if (m * n === 0) return out;
  const pa = pointerOf(backend, a!), pb = pointerOf(backend, b!), pc = pointerOf(backend, out);
  for (let i = 0; i < batch; i++) {
    const at = (pointer: Deno.PointerValue, index: number, size: number) =>
      Deno.UnsafePointer.offset(pointer!, 4 * index * size);
    dnnl.sgemm(
      transA,
      transB,
      m,
      n,
      k,
      at(pa, batchA === 1 ? 0 : i, m * k),
      transA ? m : k,
      at(pb, batchB === 1 ? 0 : i, k * n),
      transB ? k : n,
      0,
      at(pc, i, m * n),
      n,
    );
  }
  if (fused && (bias !== undefined || activation === "relu")) {
    const y = viewOf(backend, out);
    const addend = bias ? viewOf(backend, bias) : null;
    const relu = activation === "relu";
    for (let r = 0; r < batch * m; r++) {
      const row = r * n;
      for (let c = 0; c < n; c++) {
        let v = y[row + c] + (addend ? addend[addend.length === 1 ? 0 : c] : 0);
        if (relu && v < 0) v = 0;
        y[row + c] = v;
      }
    }
  }
  return out;
}

const REPLACED = [
  LRN,
  LRNGrad,
  Conv2D,
  FusedConv2D,
  Conv2DBackpropInput,
  Conv2DBackpropFilter,
  MaxPoolGrad,
  BatchMatMul,
  FusedMatMul,
];
let originals: Map<string, KernelConfig> | null = null;

/**
 * Puts the oneDNN kernels over the WASM backend's (`on`), or the WASM backend's own back.
 * Idempotent both ways. Call after the WASM backend and its training kernels are registered.
 */
export function useNativeKernels(dnnl: OneDnn | null): void {
  if (dnnl === null) {
    if (!originals) return;
    for (const [name, config] of originals) {
      unregisterKernel(name, "wasm");
      registerKernel(config);
    }
    originals = null;
    markNativeKernels(null);
    return;
  }
  if (originals) return;
  const saved = new Map<string, KernelConfig>();
  for (const name of REPLACED) {
    const config = getKernel(name, "wasm");
    if (config) saved.set(name, config);
  }
  originals = saved;
  const original = (name: string): KernelCall => {
    const config = saved.get(name);
    if (!config) throw new Error(`the WASM backend has no ${name} kernel to fall back to`);
    return config.kernelFunc as unknown as KernelCall;
  };
  for (const [name, kernelFunc] of Object.entries(replacements(dnnl, original))) {
    if (saved.has(name)) unregisterKernel(name, "wasm");
    registerKernel({ kernelName: name, backendName: "wasm", kernelFunc });
  }
  markNativeKernels(dnnl);
}
