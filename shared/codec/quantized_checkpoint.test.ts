import assert from "node:assert/strict";
import * as tf from "../backend/tensorflow.ts";
import { selectBackend } from "../backend/select_backend.ts";
import { AlexNet } from "../model/alexnet.ts";
import { CheckpointFormatError, concatBytes, weightManifest } from "../checkpoint/checkpoint_files.ts";
import { decodeCheckpoint, encodeCheckpoint } from "./checkpoint_codec.ts";
import { relativeError } from "./torch_parity.ts";
import { float32ToFloat16Bits, quantizeCheckpoint } from "../checkpoint/quantize_checkpoint.ts";
import { sampleManifestInfo } from "../checkpoint/sample_manifest_info.ts";
import { storedBytes } from "../checkpoint/weight_storage.ts";

await selectBackend("wasm");

Deno.test("float32 → float16 rounds to nearest even, with subnormals and overflow", () => {
  assert.equal(float32ToFloat16Bits(1), 0x3c00);
  assert.equal(float32ToFloat16Bits(-2), 0xc000);
  assert.equal(float32ToFloat16Bits(65504), 0x7bff);
  assert.equal(float32ToFloat16Bits(70000), 0x7c00, "overflow is +Inf");
  assert.equal(float32ToFloat16Bits(0.1), 0x2e66);
  assert.equal(float32ToFloat16Bits(1e-7), 0x0002, "2^-23 is the nearest subnormal");
  assert.equal(float32ToFloat16Bits(1 + 2 ** -11), 0x3c00, "a tie rounds to the even mantissa");
  assert.equal(float32ToFloat16Bits(1 + 3 * 2 ** -11), 0x3c02);
});

Deno.test("float16 and int8 checkpoints are 2× and about 4× smaller and load to nearly the same logits", async () => {
  const model = AlexNet.create({ arch: "alexnet-owt", numClasses: 3, inputSize: 63, width: 0.25, seed: 5 });
  const files = await encodeCheckpoint(model, sampleManifestInfo({ name: "q", classNames: ["a", "b", "c"] }));
  const x = tf.randomNormal([2, 63, 63, 3], 0, 1, "float32", 3) as tf.Tensor4D;
  const reference = (await model.logits(x)).flatMap((r) => [...r]);
  const bytes = (f: Map<string, Uint8Array>) =>
    [...f].filter(([n]) => n.endsWith(".bin")).reduce((s, [, b]) => s + b.length, 0);
  // Per-channel int8 keeps the biases in float32 and adds a scale per channel: a little under 4×.
  const cases = [
    ["float16", undefined, [2, 2], 2e-3],
    ["int8", "per-channel", [3.9, 4], 0.1],
    ["int8", "per-tensor", [4, 4], 0.1],
  ] as const;
  for (const [encoding, scheme, [low, high], tolerance] of cases) {
    const small = await quantizeCheckpoint(files, encoding, { scheme });
    const ratio = bytes(files) / bytes(small);
    assert.ok(ratio > low - 0.01 && ratio < high + 0.01, `${encoding} ${scheme}: ${ratio.toFixed(3)}× smaller`);
    const loaded = await decodeCheckpoint(small);
    assert.equal(loaded.manifest.weights, encoding);
    assert.equal(loaded.manifest.quantization, scheme);
    assert.match(loaded.manifest.version, encoding === "float16" ? /-f16$/ : /-i8$/);
    const error = relativeError((await loaded.model.logits(x)).flatMap((r) => [...r]), reference);
    assert.ok(error > 0 && error < tolerance, `${encoding} ${scheme}: logits relative error ${error}`);
    await assert.rejects(quantizeCheckpoint(small, "int8"), CheckpointFormatError);
    loaded.model.dispose();
  }
  x.dispose();
  model.dispose();
});

Deno.test("per-channel int8 codes give each output channel its own scale and store fully connected rows out-in", async () => {
  const model = AlexNet.create({ arch: "alexnet-owt", numClasses: 3, inputSize: 63, width: 0.25, seed: 5 });
  const files = await encodeCheckpoint(model, sampleManifestInfo({ name: "q", classNames: ["a", "b", "c"] }));
  const small = await quantizeCheckpoint(files, "int8");
  const { specs, paths } = weightManifest(small);
  const all = concatBytes(paths.map((p) => small.get(p)!));
  const at = new Map<string, Uint8Array>();
  let offset = 0;
  for (const spec of specs) {
    at.set(spec.name, all.subarray(offset, offset + storedBytes(spec)));
    offset += storedBytes(spec);
  }
  const fc8 = specs.find((s) => s.name === "fc8/kernel")!;
  assert.deepEqual({ dtype: fc8.dtype, layout: fc8.layout, scales: fc8.scales }, {
    dtype: "int8",
    layout: "out-in",
    scales: "fc8/kernel_scales",
  });
  assert.ok(specs.findIndex((s) => s.name === "fc8/kernel_scales") < specs.indexOf(fc8), "scales come first");
  assert.equal(specs.find((s) => s.name === "fc8/bias")!.dtype, "float32");
  const original = (await model.network.getLayer("fc8").getWeights()[0].data()) as Float32Array;
  const [ins, outs] = fc8.shape;
  const codes = new Int8Array(at.get("fc8/kernel")!.slice().buffer);
  const scales = new Float32Array(at.get("fc8/kernel_scales")!.slice().buffer);
  for (let o = 0; o < outs; o++) {
    let largest = 0;
    for (let i = 0; i < ins; i++) largest = Math.max(largest, Math.abs(original[i * outs + o]));
    assert.ok(Math.abs(scales[o] - largest / 127) < 1e-9, `channel ${o}: scale ${scales[o]} for max |w| ${largest}`);
    const row = codes.subarray(o * ins, (o + 1) * ins);
    assert.equal(Math.max(...row.map(Math.abs)), 127, `channel ${o} uses the full code range`);
    for (let i = 0; i < ins; i++) assert.equal(row[i], Math.round(original[i * outs + o] / scales[o]) + 0);
  }
  model.dispose();
});
