import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../backend/select_backend.ts";
import { AlexNet } from "../model/alexnet.ts";
import { CheckpointFormatError } from "./checkpoint_files.ts";
import { decodeCheckpoint, encodeCheckpoint } from "./codec/checkpoint_codec.ts";
import { relativeError } from "./codec/torch_parity.ts";
import { float32ToFloat16Bits, quantizeCheckpoint } from "./quantize_checkpoint.ts";
import { sampleManifestInfo } from "./sample_manifest_info.ts";

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

Deno.test("float16 and int8 checkpoints are 2× and 4× smaller and load to nearly the same logits", async () => {
  const model = AlexNet.create({ arch: "alexnet-owt", numClasses: 3, inputSize: 63, width: 0.25, seed: 5 });
  const files = await encodeCheckpoint(model, sampleManifestInfo({ name: "q", classNames: ["a", "b", "c"] }));
  const x = tf.randomNormal([2, 63, 63, 3], 0, 1, "float32", 3) as tf.Tensor4D;
  const reference = (await model.logits(x)).flatMap((r) => [...r]);
  const bytes = (f: Map<string, Uint8Array>) =>
    [...f].filter(([n]) => n.endsWith(".bin")).reduce((s, [, b]) => s + b.length, 0);
  for (const [encoding, factor, tolerance] of [["float16", 2, 2e-3], ["int8", 4, 0.1]] as const) {
    const small = await quantizeCheckpoint(files, encoding);
    const ratio = bytes(files) / bytes(small);
    assert.ok(Math.abs(ratio - factor) < 0.01, `${encoding}: ${ratio.toFixed(3)}× smaller`);
    const loaded = await decodeCheckpoint(small);
    assert.equal(loaded.manifest.weights, encoding);
    assert.match(loaded.manifest.version, encoding === "float16" ? /-f16$/ : /-i8$/);
    const error = relativeError((await loaded.model.logits(x)).flatMap((r) => [...r]), reference);
    assert.ok(error > 0 && error < tolerance, `${encoding}: logits relative error ${error}`);
    await assert.rejects(quantizeCheckpoint(small, "int8"), CheckpointFormatError);
    loaded.model.dispose();
  }
  x.dispose();
  model.dispose();
});
