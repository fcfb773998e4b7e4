import assert from "node:assert/strict";
import seedrandom from "seedrandom";
import * as tf from "./tensorflow.ts";
import "./training_ops.ts"; // gradients
import { selectBackend } from "./select_backend.ts";
import { OneDnn } from "./onednn_library.ts";
import { assertClose, CONV_CASES } from "./kernel_test_support.ts";

/** max |Δ| / max |ref| against the CPU backend. */
const TOLERANCE = 1e-5;

// The test task installs Debian's libdnnl2: the native rung must be there to be tested.
const plainConv = tf.getKernel("Conv2D", "wasm");
const choice = await selectBackend("native");

type Values = { shape: number[]; values: Float32Array };

const rng = seedrandom("native-kernels");
const random = (shape: number[]): Values => ({
  shape,
  values: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng() * 2 - 1),
});

/** Runs `kernel` with the same data on native (oneDNN over WASM) and the pure-JS CPU backend. */
async function onBoth(kernel: string, inputs: Record<string, Values>, attrs: Record<string, unknown>) {
  const results: Record<string, { values: Float32Array; shape: number[] }> = {};
  for (const backend of ["wasm", "cpu"]) {
    await tf.setBackend(backend);
    const tensors = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v.values, v.shape)]));
    const before = tf.memory().numTensors;
    // deno-lint-ignore no-explicit-any
    const out = tf.engine().runKernel(kernel, tensors, attrs as any) as tf.Tensor;
    results[backend] = { values: (await out.data()) as Float32Array, shape: out.shape };
    out.dispose();
    assert.equal(tf.memory().numTensors, before, `${kernel} on ${backend} leaked tensors`);
    Object.values(tensors).forEach((t) => t.dispose());
  }
  await tf.setBackend("wasm");
  assert.deepEqual(results.wasm.shape, results.cpu.shape);
  return { native: results.wasm.values, cpu: results.cpu.values };
}

Deno.test("native is WASM with oneDNN's kernels registered over its heavy ones", () => {
  assert.equal(choice.name, "native");
  assert.equal(choice.tfjsName, "wasm");
  assert.ok(typeof OneDnn.open() !== "string");
  assert.notEqual(tf.getKernel("Conv2D", "wasm")?.kernelFunc, plainConv?.kernelFunc);
});

const convCases = [...CONV_CASES, { x: [4, 13, 13, 32], filter: [3, 3, 32, 48], stride: 1, pad: "same" as const }];

for (const { x, filter, stride, pad } of convCases) {
  const name = `x ${x}, filter ${filter}, stride ${stride}, pad ${JSON.stringify(pad)}`;
  const xs = random(x), ws = random(filter);
  const outShape = tf.backend_util.computeConv2DInfo(
    x as [number, number, number, number],
    filter as [number, number, number, number],
    stride,
    1,
    pad,
  ).outShape;
  const base = { strides: stride, pad, dataFormat: "NHWC", dilations: 1 };
  Deno.test(`native Conv2D and FusedConv2D (bias, ReLU) match the CPU backend (${name})`, async () => {
    const plain = await onBoth("Conv2D", { x: xs, filter: ws }, base);
    assertClose(plain.native, plain.cpu, "Conv2D", TOLERANCE);
    const bias = random([filter[3]]);
    const fused = await onBoth("FusedConv2D", { x: xs, filter: ws, bias }, { ...base, activation: "relu" });
    assertClose(fused.native, fused.cpu, "FusedConv2D", TOLERANCE);
    assert.ok(fused.native.some((v) => v === 0) && fused.native.some((v) => v > 0), "the ReLU cut some values");
  });
  Deno.test(`native Conv2DBackpropInput and Conv2DBackpropFilter match the CPU backend (${name})`, async () => {
    const dy = random(outShape);
    const input = await onBoth("Conv2DBackpropInput", { dy, filter: ws }, { ...base, inputShape: x });
    assertClose(input.native, input.cpu, "Conv2DBackpropInput", TOLERANCE);
    const grad = await onBoth("Conv2DBackpropFilter", { x: xs, dy }, { ...base, filterShape: filter });
    assertClose(grad.native, grad.cpu, "Conv2DBackpropFilter", TOLERANCE);
  });
}

const matMulCases = [
  { a: [1, 5, 7], b: [1, 7, 3], transposeA: false, transposeB: false },
  { a: [2, 7, 5], b: [2, 7, 3], transposeA: true, transposeB: false },
  { a: [3, 5, 7], b: [3, 3, 7], transposeA: false, transposeB: true },
  { a: [1, 7, 5], b: [1, 3, 7], transposeA: true, transposeB: true },
  { a: [4, 6, 9], b: [1, 9, 2], transposeA: false, transposeB: false },
  { a: [1, 32, 300], b: [1, 300, 70], transposeA: false, transposeB: false },
];

for (const c of matMulCases) {
  const label = `a ${c.a}${c.transposeA ? "ᵀ" : ""}, b ${c.b}${c.transposeB ? "ᵀ" : ""}`;
  Deno.test(`native BatchMatMul and _FusedMatMul (bias, ReLU) match the CPU backend (${label})`, async () => {
    const a = random(c.a), b = random(c.b);
    const attrs = { transposeA: c.transposeA, transposeB: c.transposeB };
    const plain = await onBoth("BatchMatMul", { a, b }, attrs);
    assertClose(plain.native, plain.cpu, "BatchMatMul", TOLERANCE);
    const n = c.transposeB ? c.b[1] : c.b[2];
    const fused = await onBoth("_FusedMatMul", { a, b, bias: random([n]) }, { ...attrs, activation: "relu" });
    assertClose(fused.native, fused.cpu, "_FusedMatMul", TOLERANCE);
  });
}

Deno.test("gradients of a small conv net on native match the CPU backend", async () => {
  const x = random([2, 19, 19, 3]), w1 = random([5, 5, 3, 8]), b1 = random([8]), w2 = random([72, 4]);
  const grads: Record<string, Float32Array[]> = {};
  for (const backend of ["wasm", "cpu"]) {
    await tf.setBackend(backend);
    const [xt, w1t, b1t, w2t] = [x, w1, b1, w2].map((v) => tf.tensor(v.values, v.shape));
    const loss = (w: tf.Tensor, b: tf.Tensor, v: tf.Tensor) => {
      const h = tf.fused.conv2d({
        x: xt as tf.Tensor4D,
        filter: w as tf.Tensor4D,
        strides: 2,
        pad: "same",
        bias: b,
        activation: "relu",
      });
      const pooled = tf.maxPool(h, 3, 3, "valid").reshape([2, 72]);
      return tf.fused.matMul({ a: pooled as tf.Tensor2D, b: v as tf.Tensor2D }).square().sum() as tf.Scalar;
    };
    const g = tf.grads((w, b, v) => loss(w, b, v))([w1t, b1t, w2t]);
    grads[backend] = await Promise.all(g.map(async (t) => (await t.data()) as Float32Array));
    tf.dispose([...g, xt, w1t, b1t, w2t]);
  }
  await tf.setBackend("wasm");
  grads.cpu.forEach((expected, i) => assertClose(grads.wasm[i], expected, `gradient ${i}`, TOLERANCE));
});

const poolCases = [
  { x: [2, 13, 13, 8], size: 3, stride: 2, pad: "valid" as const },
  { x: [3, 27, 27, 5], size: 3, stride: 2, pad: "valid" as const },
  { x: [2, 10, 9, 4], size: 2, stride: 2, pad: "same" as const },
];

for (const { x, size, stride, pad } of poolCases) {
  Deno.test(`native MaxPoolGrad matches the CPU backend (x ${x}, ${size}×${size}/${stride}, ${pad})`, async () => {
    const input = random(x);
    await tf.setBackend("cpu");
    const output = tf.maxPool(
      tf.tensor4d(input.values, input.shape as [number, number, number, number]),
      size,
      stride,
      pad,
    );
    const outValues = { shape: output.shape, values: (await output.data()) as Float32Array };
    output.dispose();
    const dy = random(outValues.shape);
    const attrs = { filterSize: size, strides: stride, pad };
    const grad = await onBoth("MaxPoolGrad", { dy, input, output: outValues }, attrs);
    assertClose(grad.native, grad.cpu, "MaxPoolGrad", TOLERANCE);
  });
}

Deno.test("on native the dense head's float32 layers multiply with oneDNN's GEMM and answer as the SIMD kernel does", async () => {
  const { DenseHead } = await import("../model/dense_head.ts");
  const specs = [
    { name: "fc6", ins: 300, outs: 70, encoding: "float32" as const, relu: true },
    { name: "fc7", ins: 70, outs: 21, encoding: "float32" as const, relu: false },
  ];
  const head = await DenseHead.create(specs);
  for (const { name, ins, outs } of specs) {
    const layout = head.layouts.find((l) => l.spec.name === name)!;
    const panels = new Float32Array(head.weightBytes(name).buffer, layout.offset, layout.bytes / 4);
    const w = random([ins, outs]).values;
    for (let i = 0; i < ins; i++) {
      for (let o = 0; o < outs; o++) panels[((o >> 4) * ins + i) * 16 + (o & 15)] = w[i * outs + o];
    }
    head.bias(name).set(random([outs]).values);
  }
  const x = random([5, 300]).values;
  try {
    const { activeTfjsBackend } = await import("./active_tfjs_backend.ts");
    assert.equal(activeTfjsBackend(), "native");
    const native = head.forward(x, 5).logits;
    await selectBackend("wasm");
    assert.equal(activeTfjsBackend(), "wasm");
    const simd = head.forward(x, 5).logits;
    assertClose(native, simd, "dense head", TOLERANCE);
  } finally {
    await selectBackend("native");
    head.dispose();
  }
});

const lrnCases = [
  { x: [2, 9, 7, 96], depthRadius: 2, bias: 2, alpha: 1e-4, beta: 0.75 },
  { x: [1, 5, 5, 12], depthRadius: 2, bias: 1, alpha: 0.3, beta: 0.75 },
  { x: [3, 4, 6, 7], depthRadius: 3, bias: 1.5, alpha: 0.05, beta: 0.5 },
];

for (const { x, ...attrs } of lrnCases) {
  Deno.test(`native LRN and LRNGrad match the CPU backend (x ${x}, radius ${attrs.depthRadius}, α ${attrs.alpha})`, async () => {
    const input = { shape: x, values: random(x).values.map((v) => v * 3) };
    const forward = await onBoth("LRN", { x: input }, attrs);
    assertClose(forward.native, forward.cpu, "LRN", TOLERANCE);
    const dy = random(x);
    const y = { shape: x, values: forward.cpu };
    const grad = await onBoth("LRNGrad", { x: input, y, dy }, attrs);
    assertClose(grad.native, grad.cpu, "LRNGrad", TOLERANCE);
  });
}
