import assert from "node:assert/strict";
import * as tf from "./tensorflow.ts";
import "./training_ops.ts"; // gradients
import seedrandom from "seedrandom";
import { selectBackend } from "./select_backend.ts";
import { assertClose, CONV_CASES } from "./kernel_test_support.ts";

/** max |Δ| / max |ref| against the CPU backend. */
const TOLERANCE = 1e-5;

await selectBackend("wasm");

function randomArray(rng: () => number, size: number): Float32Array {
  return Float32Array.from({ length: size }, () => rng() * 2 - 1);
}

/** Runs `kernel` with the same data on the WASM and the pure-JS CPU backends. */
function onBoth(
  kernel: string,
  inputs: Record<string, { shape: number[]; values: Float32Array }>,
  attrs: Record<string, unknown>,
): { wasm: Float32Array; cpu: Float32Array; shape: number[] } {
  const results: Record<string, { values: Float32Array; shape: number[] }> = {};
  for (const backend of ["wasm", "cpu"]) {
    tf.setBackend(backend);
    const tensors = Object.fromEntries(
      Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v.values, v.shape)]),
    );
    const before = tf.memory().numTensors;
    // deno-lint-ignore no-explicit-any
    const out = tf.engine().runKernel(kernel, tensors, attrs as any) as tf.Tensor;
    results[backend] = { values: out.dataSync() as Float32Array, shape: out.shape };
    out.dispose();
    assert.equal(tf.memory().numTensors, before, `${kernel} on ${backend} leaked tensors`);
    Object.values(tensors).forEach((t) => t.dispose());
  }
  tf.setBackend("wasm");
  assert.deepEqual(results.wasm.shape, results.cpu.shape);
  return { wasm: results.wasm.values, cpu: results.cpu.values, shape: results.cpu.shape };
}

const convCases = [...CONV_CASES, { x: [2, 6, 6, 3], filter: [1, 1, 3, 5], stride: 1, pad: "valid" as const }];

for (const [i, c] of convCases.entries()) {
  const name = `stride ${c.stride}, pad ${JSON.stringify(c.pad)}, x ${c.x}, filter ${c.filter}`;
  const info = tf.backend_util.computeConv2DInfo(
    c.x as [number, number, number, number],
    c.filter as [number, number, number, number],
    c.stride,
    1,
    c.pad,
  );
  const rng = seedrandom(`conv-${i}`);
  const x = { shape: c.x, values: randomArray(rng, tf.util.sizeFromShape(c.x)) };
  const dy = { shape: info.outShape, values: randomArray(rng, tf.util.sizeFromShape(info.outShape)) };
  const filter = { shape: c.filter, values: randomArray(rng, tf.util.sizeFromShape(c.filter)) };

  Deno.test(`Conv2DBackpropFilter on WASM matches the CPU backend (${name})`, () => {
    const r = onBoth("Conv2DBackpropFilter", { x, dy }, {
      strides: c.stride,
      pad: c.pad,
      dataFormat: "NHWC",
      filterShape: c.filter,
    });
    assert.deepEqual(r.shape, c.filter);
    assertClose(r.wasm, r.cpu, name, TOLERANCE);
  });

  Deno.test(`Conv2DBackpropInput on WASM matches the CPU backend (${name})`, () => {
    const r = onBoth("Conv2DBackpropInput", { dy, filter }, {
      strides: c.stride,
      pad: c.pad,
      dataFormat: "NHWC",
      inputShape: c.x,
    });
    assert.deepEqual(r.shape, c.x);
    assertClose(r.wasm, r.cpu, name, TOLERANCE);
  });
}

const matMulCases = [
  { a: [7, 5], b: [5, 3], transposeA: false, transposeB: false },
  { a: [5, 7], b: [5, 3], transposeA: true, transposeB: false },
  { a: [7, 5], b: [3, 5], transposeA: false, transposeB: true },
  { a: [5, 7], b: [3, 5], transposeA: true, transposeB: true },
  { a: [2, 6, 4], b: [2, 3, 6], transposeA: true, transposeB: true },
  { a: [33, 130], b: [33, 17], transposeA: true, transposeB: false },
];

for (const [i, c] of matMulCases.entries()) {
  Deno.test(`BatchMatMul on WASM matches the CPU backend (a ${c.a}${c.transposeA ? "ᵀ" : ""}, b ${c.b}${c.transposeB ? "ᵀ" : ""})`, () => {
    const rng = seedrandom(`matmul-${i}`);
    const r = onBoth("BatchMatMul", {
      a: { shape: c.a, values: randomArray(rng, tf.util.sizeFromShape(c.a)) },
      b: { shape: c.b, values: randomArray(rng, tf.util.sizeFromShape(c.b)) },
    }, { transposeA: c.transposeA, transposeB: c.transposeB });
    assertClose(r.wasm, r.cpu, "matmul", TOLERANCE);
  });
}

Deno.test("gradients of a strided, padded conv2d on WASM match the CPU backend", () => {
  const rng = seedrandom("grad");
  const xValues = randomArray(rng, 2 * 27 * 27 * 3);
  const wValues = randomArray(rng, 11 * 11 * 3 * 4);
  const grads: Record<string, Float32Array[]> = {};
  for (const backend of ["wasm", "cpu"]) {
    tf.setBackend(backend);
    const x = tf.tensor4d(xValues, [2, 27, 27, 3]);
    const w = tf.tensor4d(wValues, [11, 11, 3, 4]);
    const loss = (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 4, [[0, 0], [2, 2], [2, 2], [0, 0]])));
    const [dx, dw] = tf.grads(loss)([x, w]);
    grads[backend] = [dx.dataSync() as Float32Array, dw.dataSync() as Float32Array];
    tf.dispose([x, w, dx, dw]);
  }
  tf.setBackend("wasm");
  assertClose(grads.wasm[0], grads.cpu[0], "dx", TOLERANCE);
  assertClose(grads.wasm[1], grads.cpu[1], "dw", TOLERANCE);
});
