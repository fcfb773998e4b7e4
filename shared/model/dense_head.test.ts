import assert from "node:assert/strict";
import { float32ToFloat16Bits } from "../checkpoint/quantize_checkpoint.ts";
import { float16BitsToFloat32 } from "../checkpoint/weight_storage.ts";
import { denseKernelModule } from "../backend/dense_simd_kernels.ts";
import { DenseHead, type DenseLayerSpec } from "./dense_head.ts";

/** A seeded generator (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes `values` (TF.js layout `[ins][outs]`) into an int8 layer as per-channel codes; returns the dequantized weights. */
function setInt8(head: DenseHead, name: string, values: Float32Array, codes?: Int8Array): Float32Array {
  const layout = head.layouts.find((l) => l.spec.name === name)!;
  const { ins, outs } = layout.spec;
  const rows = new Int8Array(head.weightBytes(name).buffer, layout.offset, layout.bytes);
  const scales = head.scales(name);
  const dequantized = new Float32Array(ins * outs);
  for (let o = 0; o < outs; o++) {
    let largest = 0;
    for (let i = 0; i < ins; i++) largest = Math.max(largest, Math.abs(values[i * outs + o]));
    scales[o] = codes ? 1 : largest / 127 || 1;
    for (let i = 0; i < ins; i++) {
      const code = codes ? codes[i * outs + o] : Math.round(values[i * outs + o] / scales[o]);
      rows[o * layout.rowStride + i] = code;
      dequantized[i * outs + o] = code * scales[o];
    }
  }
  return dequantized;
}

/** Writes `values` (`[ins][outs]`) into a float layer's panels; returns the values as the layer holds them. */
function setFloat(head: DenseHead, name: string, values: Float32Array): Float32Array {
  const layout = head.layouts.find((l) => l.spec.name === name)!;
  const { ins, outs, encoding } = layout.spec;
  const at = (i: number, o: number) => ((o >> 4) * ins + i) * 16 + (o & 15);
  if (encoding === "float32") {
    const panels = new Float32Array(head.weightBytes(name).buffer, layout.offset, layout.bytes / 4);
    for (let i = 0; i < ins; i++) for (let o = 0; o < outs; o++) panels[at(i, o)] = values[i * outs + o];
    return values;
  }
  const panels = new Uint16Array(head.weightBytes(name).buffer, layout.offset, layout.bytes / 2);
  const bits = new Uint16Array(values.length);
  for (let i = 0; i < ins; i++) {
    for (let o = 0; o < outs; o++) panels[at(i, o)] = bits[i * outs + o] = float32ToFloat16Bits(values[i * outs + o]);
  }
  return float16BitsToFloat32(bits);
}

/** y = relu?(x·W + b) in float64, row after row. */
function reference(
  x: Float32Array,
  rows: number,
  w: Float32Array,
  b: Float32Array,
  spec: DenseLayerSpec,
): Float64Array {
  const { ins, outs } = spec;
  const y = new Float64Array(rows * outs);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outs; o++) {
      let sum = b[o];
      for (let i = 0; i < ins; i++) sum += x[r * ins + i] * w[i * outs + o];
      y[r * outs + o] = spec.relu ? Math.max(0, sum) : sum;
    }
  }
  return y;
}

function maxRelativeError(got: Float32Array, want: Float64Array): number {
  let err = 0, scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return err / scale;
}

// Sizes off the kernels' multiples (16 inputs, 4 or 16 outputs) so that the padding is exercised.
const ODD: DenseLayerSpec = { name: "fc8", ins: 37, outs: 6, encoding: "int8", relu: false };

Deno.test("int8 layers give the exact sums of their integer codes, on the relaxed and the plain kernel alike", async () => {
  const rand = random(1);
  const codes = Int8Array.from({ length: ODD.ins * ODD.outs }, () => Math.round(rand() * 254 - 127));
  // Integer activations up to exactly 127 quantize with scale 1, so the answer is an exact integer sum.
  const rows = 3;
  const x = Float32Array.from({ length: rows * ODD.ins }, () => Math.round(rand() * 127));
  for (let r = 0; r < rows; r++) x[r * ODD.ins] = 127;
  for (const relaxed of [true, false]) {
    const head = await DenseHead.create([ODD], { relaxed });
    const w = setInt8(head, "fc8", new Float32Array(codes.length), codes);
    const want = reference(x, rows, w, new Float32Array(ODD.outs), ODD);
    const got = head.forward(x, rows).logits;
    assert.deepEqual([...got], [...want], `relaxed: ${relaxed}`);
    head.dispose();
  }
  assert.equal(
    (await DenseHead.create([ODD])).relaxed,
    (await denseKernelModule()).relaxed,
    "relaxed SIMD is used where it exists",
  );
});

Deno.test("a row with negative inputs is quantized signed and still summed exactly", async () => {
  const head = await DenseHead.create([ODD]);
  const rand = random(2);
  const codes = Int8Array.from({ length: ODD.ins * ODD.outs }, () => Math.round(rand() * 254 - 127));
  const w = setInt8(head, "fc8", new Float32Array(codes.length), codes);
  const x = Float32Array.from({ length: 2 * ODD.ins }, () => Math.round(rand() * 254 - 127));
  x[0] = -127;
  x[ODD.ins] = 127;
  assert.deepEqual([...head.forward(x, 2).logits], [...reference(x, 2, w, new Float32Array(ODD.outs), ODD)]);
});

Deno.test("an int8 layer of real-valued weights stays within its quantization error of float32", async () => {
  const spec: DenseLayerSpec = { name: "fc6", ins: 300, outs: 70, encoding: "int8", relu: true };
  const head = await DenseHead.create([spec]);
  const rand = random(3);
  const w = Float32Array.from({ length: spec.ins * spec.outs }, () => (rand() - 0.5) * 0.2);
  const b = Float32Array.from({ length: spec.outs }, () => rand() - 0.5);
  setInt8(head, "fc6", w);
  head.bias("fc6").set(b);
  const x = Float32Array.from({ length: 4 * spec.ins }, () => Math.max(0, rand() * 3 - 1)); // ReLU-like
  const error = maxRelativeError(head.forward(x, 4).logits, reference(x, 4, w, b, spec));
  assert.ok(error > 0 && error < 0.02, `relative error ${error}`);
});

Deno.test("float32 and float16 layers match a float64 reference of the weights they hold", async () => {
  for (const [encoding, tolerance] of [["float32", 1e-6], ["float16", 1e-6]] as const) {
    const specs: DenseLayerSpec[] = [
      { name: "fc6", ins: 45, outs: 33, encoding, relu: true },
      { name: "fc7", ins: 33, outs: 300, encoding, relu: true },
      { name: "fc8", ins: 300, outs: 5, encoding, relu: false },
    ];
    const head = await DenseHead.create(specs);
    const rand = random(4);
    const held = specs.map((s) => {
      const w = setFloat(head, s.name, Float32Array.from({ length: s.ins * s.outs }, () => rand() - 0.5));
      const b = Float32Array.from({ length: s.outs }, () => rand() - 0.5);
      head.bias(s.name).set(b);
      return { w, b };
    });
    const rows = 3;
    const x = Float32Array.from({ length: rows * 45 }, () => rand());
    const out = head.forward(x, rows, ["fc6", "fc7"]);
    const fc6 = reference(x, rows, held[0].w, held[0].b, specs[0]);
    const fc7 = reference(Float32Array.from(fc6), rows, held[1].w, held[1].b, specs[1]);
    const logits = reference(Float32Array.from(fc7), rows, held[2].w, held[2].b, specs[2]);
    assert.ok(maxRelativeError(out.fc6!, fc6) < tolerance, `${encoding} fc6`);
    assert.ok(maxRelativeError(out.fc7!, fc7) < tolerance, `${encoding} fc7`);
    assert.ok(maxRelativeError(out.logits, logits) < 10 * tolerance, `${encoding} logits`);
    assert.ok(out.fc6!.every((v) => v >= 0) && out.fc6!.some((v) => v === 0), `${encoding}: fc6 is after its ReLU`);
    const kernel = head.kernel("fc7");
    assert.deepEqual(kernel.shape, [33, 300]);
    assert.deepEqual([...kernel.values], [...held[1].w], `${encoding}: kernel() gives back the held weights`);
  }
});

Deno.test("a batch larger than the scratch space answers each row as a batch of one does", async () => {
  const specs: DenseLayerSpec[] = [
    { name: "fc6", ins: 40, outs: 24, encoding: "int8", relu: true },
    { name: "fc7", ins: 24, outs: 8, encoding: "int8", relu: false },
  ];
  const head = await DenseHead.create(specs);
  const rand = random(5);
  for (const s of specs) setInt8(head, s.name, Float32Array.from({ length: s.ins * s.outs }, () => rand() - 0.5));
  const rows = 37;
  const x = Float32Array.from({ length: rows * 40 }, () => rand());
  const all = head.forward(x, rows).logits;
  for (let r = 0; r < rows; r++) {
    assert.deepEqual([...all.subarray(r * 8, (r + 1) * 8)], [
      ...head.forward(x.subarray(r * 40, (r + 1) * 40), 1).logits,
    ]);
  }
});

Deno.test("the memory holds int8 weights at one byte each, and a disposed head refuses work", async () => {
  const specs: DenseLayerSpec[] = [
    { name: "fc6", ins: 9216, outs: 4096, encoding: "int8", relu: true },
    { name: "fc7", ins: 4096, outs: 4096, encoding: "int8", relu: true },
    { name: "fc8", ins: 4096, outs: 1000, encoding: "int8", relu: false },
  ];
  const head = await DenseHead.create(specs);
  const weights = specs.reduce((n, s) => n + s.ins * s.outs, 0);
  assert.ok(head.memoryBytes >= weights && head.memoryBytes < weights + 2 * 2 ** 20, `${head.memoryBytes} bytes`);
  head.dispose();
  assert.throws(() => head.forward(new Float32Array(9216), 1), /disposed/);
  await assert.rejects(DenseHead.create([specs[0], specs[0]]), /fc6 takes 9216 inputs but fc6 gives 4096/);
});
