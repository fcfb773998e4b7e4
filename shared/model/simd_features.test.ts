import assert from "node:assert/strict";
import { denseKernelModule, instantiateDenseKernels } from "../backend/dense_simd_kernels.ts";
import { SimdFeatures } from "./simd_features.ts";
import { InputShapeError } from "./input_shape_error.ts";

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

Deno.test("the two-row int8 kernels give the exact integer sums, relaxed and plain alike (plain: signed rows too)", async () => {
  const { module, relaxed } = await denseKernelModule();
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
  const kernels = instantiateDenseKernels(module, memory);
  const outs = 8, stride = 48, rows = 6;
  const w = 0, x = outs * stride, acc = x + rows * stride;
  const rand = random(3);
  const codes = new Int8Array(memory.buffer, w, outs * stride);
  codes.forEach((_, i) => (codes[i] = Math.round(rand() * 254 - 127)));
  for (const signed of [false, true]) {
    const xs = new Int8Array(memory.buffer, x, rows * stride);
    xs.forEach((_, i) => (xs[i] = signed ? Math.round(rand() * 254 - 127) : Math.round(rand() * 127)));
    const want = Array.from({ length: rows * outs }, (_, k) => {
      const r = Math.floor(k / outs), o = k % outs;
      let sum = 0;
      for (let i = 0; i < stride; i++) sum += codes[o * stride + i] * xs[r * stride + i];
      return sum;
    });
    const run = [kernels.rows2_i8, ...(relaxed && !signed ? [kernels.rows2_i8_relaxed!] : [])];
    for (const kernel of run) {
      new Int32Array(memory.buffer, acc, rows * outs).fill(-1);
      kernel(w, outs, stride, x, rows, acc);
      assert.deepEqual([...new Int32Array(memory.buffer, acc, rows * outs)], want, `${kernel.name}, signed: ${signed}`);
    }
  }
});

Deno.test("the six-row float32 kernels give each row's sums over a panel, relaxed (fused) and plain alike", async () => {
  const { module, relaxed } = await denseKernelModule();
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
  const kernels = instantiateDenseKernels(module, memory);
  const outs = 16, k = 37, rows = 12;
  const w = 0, x = outs * k * 4, y = x + rows * k * 4 + 16;
  const rand = random(4);
  const weights = Float32Array.from({ length: k * outs }, () => rand() * 2 - 1); // W[i][o] at i·outs + o
  const panels = new Float32Array(memory.buffer, w, outs * k);
  for (let i = 0; i < k; i++) {
    for (let o = 0; o < outs; o++) panels[((o >> 3) * k + i) * 8 + (o & 7)] = weights[i * outs + o];
  }
  const xs = new Float32Array(memory.buffer, x, rows * k);
  xs.forEach((_, i) => (xs[i] = rand() * 4 - 2));
  const want = Array.from({ length: rows * outs }, (_, n) => {
    const r = Math.floor(n / outs), o = n % outs;
    let sum = 0;
    for (let i = 0; i < k; i++) sum += xs[r * k + i] * weights[i * outs + o];
    return sum;
  });
  for (const kernel of [kernels.rows6_f32, ...(relaxed ? [kernels.rows6_f32_relaxed!] : [])]) {
    const got = new Float32Array(memory.buffer, y, rows * outs).fill(7);
    kernel(w, k, outs, x, rows, y);
    got.forEach((v, n) => assert.ok(Math.abs(v - want[n]) < 1e-5, `${kernel.name}: sum ${n} is ${v}, not ${want[n]}`));
  }
});

async function randomFeatures(
  arch: "alexnet" | "alexnet-owt",
  relaxed: boolean,
  precision: "int8" | "float32" = "int8",
): Promise<SimdFeatures> {
  const features = await SimdFeatures.create(
    { arch, numClasses: 4, inputSize: 67, width: 0.25, groups: arch === "alexnet" ? 2 : 1 },
    { relaxed, precision },
  );
  if (precision === "float32") {
    const rand = random(5);
    for (const { step, patch } of features.layouts) {
      features.setKernel(step.name, Float32Array.from({ length: patch * step.outs }, () => (rand() * 2 - 1) * 0.1));
      features.bias(step.name).forEach((_, i, b) => (b[i] = rand() * 0.1));
    }
    return features;
  }
  const rand = random(5);
  for (const { step } of features.layouts) {
    const codes = features.weightBytes(step.name);
    const { patch, stride } = features.layout(step.name);
    for (let row = 0; row < codes.length / stride; row++) {
      for (let p = 0; p < patch; p++) codes[row * stride + p] = Math.round(rand() * 254 - 127) & 0xff;
    }
    features.scales(step.name).fill(0.01);
    features.bias(step.name).forEach((_, i, b) => (b[i] = rand() * 0.1));
  }
  return features;
}

Deno.test("float32 convolutions: a kernel set is the kernel read back, and relaxed and plain kernels answer alike, image by image as in a batch", async () => {
  for (const arch of ["alexnet-owt", "alexnet"] as const) {
    const rand = random(9);
    const images = Float32Array.from({ length: 2 * 67 * 67 * 3 }, () => rand() * 4 - 2);
    const relaxed = await randomFeatures(arch, true, "float32");
    const plain = await randomFeatures(arch, false, "float32");
    const conv2 = Float32Array.from(
      { length: relaxed.layout("conv2").patch * relaxed.layout("conv2").step.outs },
      (_, i) => i,
    );
    plain.setKernel("conv2", conv2);
    assert.deepEqual((await plain.kernel("conv2")).values, conv2);
    plain.setKernel("conv2", (await relaxed.kernel("conv2")).values);
    const both = await relaxed.pool5(images, 2);
    const other = await plain.pool5(images, 2);
    const largest = Math.max(...both.map(Math.abs));
    both.forEach((v, i) => assert.ok(Math.abs(v - other[i]) <= 1e-4 * largest, `${arch}: feature ${i}`));
    assert.deepEqual(both.subarray(both.length / 2), await relaxed.pool5(images.subarray(images.length / 2), 1));
    assert.ok(both.some((v) => v > 0), "some features are positive");
    relaxed.dispose();
    plain.dispose();
  }
});

Deno.test("int8 convolutions answer the same features on the relaxed and the plain kernel, image by image as in a batch", async () => {
  for (const arch of ["alexnet-owt", "alexnet"] as const) {
    const rand = random(9);
    const images = Float32Array.from({ length: 2 * 67 * 67 * 3 }, () => rand() * 4 - 2);
    const relaxed = await randomFeatures(arch, true);
    const plain = await randomFeatures(arch, false);
    const both = await relaxed.pool5(images, 2);
    assert.deepEqual(both, await plain.pool5(images, 2), arch);
    assert.deepEqual(both.subarray(both.length / 2), await relaxed.pool5(images.subarray(images.length / 2), 1));
    assert.ok(both.some((v) => v > 0), "some features are positive");
    relaxed.dispose();
    plain.dispose();
  }
});

Deno.test("SIMD convolutions refuse input or a kernel of the wrong size, and refuse work once disposed", async () => {
  const features = await randomFeatures("alexnet-owt", true);
  await assert.rejects(async () => await features.pool5(new Float32Array(10), 1), InputShapeError);
  const float = await randomFeatures("alexnet-owt", true, "float32");
  assert.throws(() => float.setKernel("conv1", new Float32Array(5)), InputShapeError);
  assert.throws(() => features.setKernel("conv1", new Float32Array(5)), /int8 codes/);
  features.dispose();
  await assert.rejects(async () => await features.pool5(new Float32Array(67 * 67 * 3), 1), /disposed/);
});
