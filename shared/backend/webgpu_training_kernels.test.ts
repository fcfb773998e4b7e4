/**
 * The kernels `shared/backend` registers for WebGPU, against the pure-JS CPU backend, on
 * whatever adapter the machine has (Mesa's lavapipe in CI).
 */
import assert from "node:assert/strict";
import * as tf from "./tensorflow.ts";
import "./training_ops.ts"; // gradients and chained ops
import seedrandom from "seedrandom";
import { selectBackend } from "./select_backend.ts";
import { kSplits } from "./conv2d_backprop_filter_webgpu.ts";
import { deviceHasShaderF16, useHalfPrecision } from "./webgpu_device.ts";
import { assertClose } from "./kernel_test_support.ts";

/** max |Δ| / max |ref| against the CPU backend (the adapter may sum in another order). */
const TOLERANCE = 1e-4;

await selectBackend("cpu");
await selectBackend("webgpu");

function randomArray(rng: () => number, size: number): Float32Array {
  return Float32Array.from({ length: size }, () => rng() * 2 - 1);
}

/** `f` on WebGPU and on the CPU backend, with the same inputs; each result read back awaited. */
async function onBoth(
  inputs: { shape: number[]; values: Float32Array }[],
  f: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<{ webgpu: Float32Array[]; cpu: Float32Array[] }> {
  const results: Record<string, Float32Array[]> = {};
  for (const backend of ["webgpu", "cpu"]) {
    tf.setBackend(backend);
    const xs = inputs.map((x) => tf.tensor(x.values, x.shape));
    const before = tf.memory().numTensors;
    const out = [f(...xs)].flat();
    results[backend] = await Promise.all(out.map(async (t) => (await t.data()) as Float32Array));
    tf.dispose(out);
    assert.equal(tf.memory().numTensors, before, `${backend} leaked tensors`);
    tf.dispose(xs);
  }
  tf.setBackend("webgpu");
  return { webgpu: results.webgpu, cpu: results.cpu };
}

Deno.test("this project's BatchMatMul, MaxPoolGrad, Conv2DBackpropFilter and LRNGrad are the ones registered for WebGPU", () => {
  assert.equal(tf.getKernel("BatchMatMul", "webgpu")?.kernelFunc.name, "transposedBatchMatMul");
  assert.equal(tf.getKernel("MaxPoolGrad", "webgpu")?.kernelFunc.name, "maxPoolGradWebgpu");
  assert.equal(tf.getKernel("Conv2DBackpropFilter", "webgpu")?.kernelFunc.name, "conv2dBackpropFilterGemm");
  assert.equal(tf.getKernel("LRNGrad", "webgpu")?.kernelFunc.name, "lrnGradWebgpu");
});

const matMulCases = [
  { a: [7, 5], b: [5, 3], transposeA: false, transposeB: false },
  { a: [5, 7], b: [5, 3], transposeA: true, transposeB: false },
  { a: [7, 5], b: [3, 5], transposeA: false, transposeB: true },
  { a: [5, 7], b: [3, 5], transposeA: true, transposeB: true },
  { a: [2, 6, 4], b: [2, 3, 6], transposeA: true, transposeB: true },
  // fc-shaped: a weight gradient xᵀ·dy and an input gradient dy·Wᵀ
  { a: [16, 576], b: [16, 256], transposeA: true, transposeB: false },
  { a: [16, 256], b: [576, 256], transposeA: false, transposeB: true },
  // batch 2: TF.js's own transposed path
  { a: [2, 300], b: [2, 40], transposeA: true, transposeB: false },
  { a: [2, 40], b: [300, 40], transposeA: false, transposeB: true },
];

for (const [i, c] of matMulCases.entries()) {
  const name = `a ${c.a}${c.transposeA ? "ᵀ" : ""}, b ${c.b}${c.transposeB ? "ᵀ" : ""}`;
  Deno.test(`BatchMatMul on WebGPU matches the CPU backend (${name})`, async () => {
    const rng = seedrandom(`matmul-${i}`);
    const a = { shape: c.a, values: randomArray(rng, tf.util.sizeFromShape(c.a)) };
    const b = { shape: c.b, values: randomArray(rng, tf.util.sizeFromShape(c.b)) };
    const r = await onBoth([a, b], (x, y) => tf.matMul(x, y, c.transposeA, c.transposeB));
    assertClose(r.webgpu[0], r.cpu[0], name, TOLERANCE);
  });
}

Deno.test("a dense layer's gradients on WebGPU match the CPU backend", async () => {
  const rng = seedrandom("dense");
  const x = { shape: [8, 300], values: randomArray(rng, 8 * 300) };
  const w = { shape: [300, 40], values: randomArray(rng, 300 * 40) };
  const r = await onBoth([x, w], (a, b) => {
    const [dx, dw] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.relu(tf.matMul(p, q)))))([a, b]);
    return [dx, dw];
  });
  assertClose(r.webgpu[0], r.cpu[0], "dx", TOLERANCE);
  assertClose(r.webgpu[1], r.cpu[1], "dw", TOLERANCE);
});

const poolCases: { x: number[]; size: number; stride: number; pad: "valid" | "same" }[] = [
  { x: [2, 27, 27, 8], size: 3, stride: 2, pad: "valid" }, // AlexNet's overlapping pooling (§3.4)
  { x: [1, 13, 13, 5], size: 3, stride: 2, pad: "valid" },
  { x: [2, 9, 10, 3], size: 3, stride: 2, pad: "same" },
  { x: [1, 8, 8, 4], size: 2, stride: 2, pad: "valid" },
  { x: [1, 7, 9, 2], size: 3, stride: 1, pad: "same" },
];

for (const [i, c] of poolCases.entries()) {
  const name = `${c.size}×${c.size}/${c.stride} ${c.pad}, x ${c.x}`;
  Deno.test(`MaxPoolGrad on WebGPU matches the CPU backend, ties after a ReLU included (${name})`, async () => {
    const rng = seedrandom(`pool-${i}`);
    const x = { shape: c.x, values: randomArray(rng, tf.util.sizeFromShape(c.x)) };
    const r = await onBoth([x], (input) => {
      // After a ReLU about half the values are 0, so many windows hold several equal maxima.
      const grad = tf.grad((v: tf.Tensor) => {
        const pooled = tf.maxPool(tf.relu(v) as tf.Tensor4D, c.size, c.stride, c.pad);
        return tf.sum(tf.mul(pooled, tf.range(1, pooled.size + 1).reshape(pooled.shape)));
      });
      return grad(input);
    });
    assertClose(r.webgpu[0], r.cpu[0], name, TOLERANCE);
  });
}

const filterCases: { x: number[]; filter: number[]; stride: number; pad: "valid" | "same"; splits?: true }[] = [
  { x: [2, 35, 35, 3], filter: [11, 11, 3, 16], stride: 4, pad: "valid" }, // conv1's shape, narrowed
  { x: [10, 67, 67, 3], filter: [11, 11, 3, 8], stride: 4, pad: "valid", splits: true }, // K split in two slices
  { x: [2, 13, 13, 24], filter: [5, 5, 24, 40], stride: 1, pad: "same" }, // conv2: tiles not filled
  { x: [3, 9, 9, 70], filter: [3, 3, 70, 66], stride: 1, pad: "same" }, // more than one tile each way
  { x: [1, 10, 11, 5], filter: [3, 2, 5, 7], stride: 2, pad: "same" }, // uneven padding and strides
];

for (const [i, c] of filterCases.entries()) {
  const name = `x ${c.x}, filter ${c.filter}, stride ${c.stride} ${c.pad}`;
  Deno.test(`Conv2DBackpropFilter on WebGPU matches the CPU backend (${name})`, async () => {
    if (c.splits) {
      const [, h, w, ci] = c.x;
      const out = (size: number) => Math.floor((size - c.filter[0]) / c.stride) + 1;
      const k = c.x[0] * out(h) * out(w);
      assert.ok(kSplits(c.filter[0] * c.filter[1] * ci, c.filter[3], k, 2 ** 27) > 1, "this case must split K");
    }
    const rng = seedrandom(`filter-${i}`);
    const x = { shape: c.x, values: randomArray(rng, tf.util.sizeFromShape(c.x)) };
    const w = { shape: c.filter, values: randomArray(rng, tf.util.sizeFromShape(c.filter)) };
    const r = await onBoth([x, w], (input, filter) =>
      tf.grad((f: tf.Tensor) => {
        const y = tf.conv2d(input as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad);
        return tf.sum(tf.mul(y, tf.range(0, y.size).mod(13).sub(6).reshape(y.shape)));
      })(filter));
    assertClose(r.webgpu[0], r.cpu[0], name, TOLERANCE);
  });
}

const lrnCases = [
  { x: [1, 5, 5, 256], radius: 2, bias: 2, alpha: 1e-4, beta: 0.75 }, // the paper's conv2 LRN (§3.3)
  { x: [2, 7, 7, 96], radius: 2, bias: 2, alpha: 1e-4, beta: 0.75 }, // conv1's
  { x: [1, 4, 3, 9], radius: 3, bias: 1, alpha: 0.5, beta: 0.5 }, // window wider than the edge channels
  { x: [2, 3, 3, 4], radius: 1, bias: 1, alpha: 1, beta: 1 },
];

for (const c of lrnCases) {
  const name = `x ${c.x}, radius ${c.radius}, bias ${c.bias}, α ${c.alpha}, β ${c.beta}`;
  Deno.test(`LRN's gradient on WebGPU matches the CPU backend (${name})`, async () => {
    const rng = seedrandom(`lrn-${name}`);
    // Large inputs so the normalisation term matters at α = 1e-4.
    const x = { shape: c.x, values: randomArray(rng, tf.util.sizeFromShape(c.x)).map((v) => v * 60) };
    const r = await onBoth([x], (input) =>
      tf.grad((v: tf.Tensor) => {
        const y = tf.localResponseNormalization(tf.relu(v) as tf.Tensor4D, c.radius, c.bias, c.alpha, c.beta);
        return tf.sum(tf.mul(y, tf.range(0, y.size).mod(7).sub(3).reshape(y.shape)));
      })(input));
    assertClose(r.webgpu[0], r.cpu[0], name, TOLERANCE);
  });
}

Deno.test({
  name: "the shader-f16 filter gradient stays within 5e-3 of the CPU backend and differs from float32's",
  ignore: !deviceHasShaderF16(),
  fn: async () => {
    const rng = seedrandom("filter-f16");
    const shape = { x: [2, 13, 13, 24], filter: [5, 5, 24, 40] };
    const x = { shape: shape.x, values: randomArray(rng, tf.util.sizeFromShape(shape.x)) };
    const w = { shape: shape.filter, values: randomArray(rng, tf.util.sizeFromShape(shape.filter)) };
    const gradient = (input: tf.Tensor, filter: tf.Tensor) =>
      tf.grad((f: tf.Tensor) => {
        const y = tf.conv2d(input as tf.Tensor4D, f as tf.Tensor4D, 1, "same");
        return tf.sum(tf.mul(y, tf.range(0, y.size).mod(13).sub(6).reshape(y.shape)));
      })(filter);
    const single = await onBoth([x, w], gradient);
    useHalfPrecision(true);
    try {
      const half = await onBoth([x, w], gradient);
      let maxRef = 0, maxDiff = 0;
      for (let i = 0; i < half.cpu[0].length; i++) {
        maxRef = Math.max(maxRef, Math.abs(half.cpu[0][i]));
        maxDiff = Math.max(maxDiff, Math.abs(half.webgpu[0][i] - half.cpu[0][i]));
      }
      assert.ok(maxDiff / maxRef <= 5e-3, `f16: max |Δ| ${maxDiff} vs max |ref| ${maxRef}`);
      assert.notDeepEqual(half.webgpu[0], single.webgpu[0], "the f16 path gave float32's exact numbers");
    } finally {
      useHalfPrecision(false);
    }
  },
});
