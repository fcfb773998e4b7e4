import assert from "node:assert/strict";
import * as tf from "../backend/tensorflow.ts";
import { selectBackend } from "../backend/select_backend.ts";
import { AlexNet } from "../model/alexnet.ts";
import { SimdFeatures } from "../model/simd_features.ts";
import {
  CheckpointDigestError,
  type CheckpointFiles,
  CheckpointFormatError,
  sha256Hex,
  weightManifest,
} from "../checkpoint/checkpoint_files.ts";
import { folderSource, writeCheckpointDir } from "../checkpoint/checkpoint_dir.ts";
import { filesSource, openCheckpoint } from "../checkpoint/checkpoint_source.ts";
import { quantizeCheckpoint } from "../checkpoint/quantize_checkpoint.ts";
import { sampleManifestInfo } from "../checkpoint/sample_manifest_info.ts";
import { decodeCheckpoint, encodeCheckpoint } from "./checkpoint_codec.ts";
import { decodeInferenceNetwork } from "./decode_inference_network.ts";
import { relativeError } from "./torch_parity.ts";

await selectBackend("wasm");

const classNames = ["a", "b", "c", "d", "e"];

async function logitsOf(files: CheckpointFiles, x: tf.Tensor4D): Promise<number[]> {
  const network = await decodeInferenceNetwork(await openCheckpoint(filesSource(files)));
  try {
    return (await network.logitsOf(x)).flatMap((r) => [...r]);
  } finally {
    network.dispose();
  }
}

// Width 0.3 gives channel counts (19, 58, 115, 77) that the kernels' panels and rows must pad.
for (const [arch, width] of [["alexnet-owt", 0.25], ["alexnet", 0.25], ["alexnet-owt", 0.3]] as const) {
  Deno.test(`${arch} at width ${width}: every weight storage decodes to the logits of TF.js's full model of the same weights`, async () => {
    const model = AlexNet.create({
      arch,
      numClasses: 5,
      inputSize: 67,
      width,
      seed: 7,
      groups: arch === "alexnet" ? 2 : 1,
    });
    const files = await encodeCheckpoint(model, sampleManifestInfo({ name: "d", classNames }));
    const x = tf.randomNormal([3, 67, 67, 3], 0, 1, "float32", 9) as tf.Tensor4D;
    try {
      const cases = [
        ["float32", files, 1e-6],
        ["float16", await quantizeCheckpoint(files, "float16"), 1e-5],
        // int8 activations (7 bits per row) on top of the weights' own rounding
        ["int8 per-channel", await quantizeCheckpoint(files, "int8"), 0.05],
        ["int8 per-tensor (earlier format)", await quantizeCheckpoint(files, "int8", { scheme: "per-tensor" }), 0.05],
      ] as const;
      for (const [name, stored, tolerance] of cases) {
        // TF.js's full model of the weights this file stores (dequantized to float32 by the codec).
        const tfjs = await decodeCheckpoint(stored);
        const expected = (await tfjs.model.logits(x)).flatMap((r) => [...r]);
        tfjs.model.dispose();
        const error = relativeError(await logitsOf(stored, x), expected);
        assert.ok(error <= tolerance, `${name}: relative error ${error.toExponential(2)} over ${tolerance}`);
      }
    } finally {
      x.dispose();
      model.dispose();
    }
  });
}

Deno.test("an int8 checkpoint is held as one byte per weight: fc6–fc8 in the dense head, the convolutions in the SIMD kernels' memory", async () => {
  const model = AlexNet.create({ arch: "alexnet-owt", numClasses: 5, inputSize: 63, width: 0.5, seed: 1 });
  const int8 = await quantizeCheckpoint(
    await encodeCheckpoint(model, sampleManifestInfo({ name: "d", classNames })),
    "int8",
  );
  const network = await decodeInferenceNetwork(await openCheckpoint(filesSource(int8)));
  try {
    const fcWeights = ["fc6", "fc7", "fc8"].reduce((n, name) => {
      const [kernel] = model.network.getLayer(name).getWeights();
      return n + kernel.size;
    }, 0);
    assert.deepEqual(network.head.layouts.map((l) => l.spec.encoding), ["int8", "int8", "int8"]);
    assert.ok(
      network.head.memoryBytes < fcWeights * 1.25,
      `${network.head.memoryBytes} bytes for ${fcWeights} weights`,
    );
    assert.ok(network.features instanceof SimdFeatures && network.features.precision === "int8", "int8 convolutions");
    const convWeights = ["conv1", "conv2", "conv3", "conv4", "conv5"].reduce((n, name) => {
      const [kernel] = model.network.getLayer(name).getWeights();
      return n + kernel.size;
    }, 0);
    const codeBytes = network.features.layouts.reduce((n, l) => n + l.bytes, 0);
    assert.ok(
      codeBytes >= convWeights && codeBytes < convWeights * 1.25,
      `${codeBytes} bytes for ${convWeights} weights`,
    );
  } finally {
    network.dispose();
    model.dispose();
  }
});

Deno.test("float checkpoints (and int8 ones of the earlier per-tensor format) convolve on the float32 SIMD kernels under WASM, on TF.js under another TF.js backend", async () => {
  const model = AlexNet.create({ arch: "alexnet-owt", numClasses: 5, inputSize: 63, width: 0.25, seed: 1 });
  const files = await encodeCheckpoint(model, sampleManifestInfo({ name: "d", classNames }));
  model.dispose();
  const stored = [
    files,
    await quantizeCheckpoint(files, "float16"),
    await quantizeCheckpoint(files, "int8", { scheme: "per-tensor" }),
  ];
  const kinds = async () => {
    const out: string[] = [];
    for (const checkpoint of stored) {
      const network = await decodeInferenceNetwork(await openCheckpoint(filesSource(checkpoint)));
      out.push(`${network.features.constructor.name} ${network.features.precision}`);
      network.dispose();
    }
    return out;
  };
  assert.deepEqual(await kinds(), Array(3).fill("SimdFeatures float32"));
  // TF.js's pure-JS CPU backend stands in for a GPU or libtensorflow: a backend the process chose for TF.js.
  await selectBackend("cpu");
  try {
    assert.deepEqual(await kinds(), Array(3).fill("TfjsFeatures float32"));
  } finally {
    await selectBackend("wasm");
  }
});

Deno.test("a shard that does not match its digest, or shards that end early, are refused", async () => {
  const model = AlexNet.create({ arch: "alexnet-owt", numClasses: 5, inputSize: 63, width: 0.25, seed: 1 });
  const files = await encodeCheckpoint(model, sampleManifestInfo({ name: "d", classNames }));
  model.dispose();
  const { paths } = weightManifest(files);
  const changed = new Map(files);
  const shard = changed.get(paths[0])!.slice();
  shard[100] ^= 1;
  changed.set(paths[0], shard);
  await assert.rejects(
    async () => await decodeInferenceNetwork(await openCheckpoint(filesSource(changed))),
    (e: Error) => e instanceof CheckpointDigestError && e.message.includes(paths[0]),
  );
  // A later shard, read ahead while an earlier one is placed: its failure reaches the caller, not
  // the process (an unhandled rejection would fail this test as an uncaught error).
  const wide = AlexNet.create({ arch: "alexnet-owt", numClasses: 5, inputSize: 63, width: 0.5, seed: 1 });
  const many = await encodeCheckpoint(wide, sampleManifestInfo({ name: "d", classNames }));
  wide.dispose();
  const later = weightManifest(many).paths;
  assert.ok(later.length >= 3, `${later.length} shards`);
  const folder = await Deno.makeTempDir();
  await writeCheckpointDir(folder, many);
  const last = await Deno.readFile(`${folder}/${later[1]}`);
  last[7] ^= 1;
  await Deno.writeFile(`${folder}/${later[1]}`, last);
  await assert.rejects(
    async () => await decodeInferenceNetwork(await openCheckpoint(folderSource(folder))),
    (e: Error) => e instanceof CheckpointDigestError && e.message.includes(later[1]),
  );
  await Deno.remove(folder, { recursive: true });
  // A model.json that claims more weights than the shards hold (its digest updated to match).
  const json = JSON.parse(new TextDecoder().decode(files.get("model.json")!));
  json.weightsManifest[0].weights.find((w: { name: string }) => w.name === "fc8/bias").shape = [500];
  const bigger = new Map(files);
  bigger.set("model.json", new TextEncoder().encode(JSON.stringify(json)));
  const manifest = JSON.parse(new TextDecoder().decode(files.get("manifest.json")!));
  manifest.files["model.json"] = await sha256Hex(bigger.get("model.json")!);
  bigger.set("manifest.json", new TextEncoder().encode(JSON.stringify(manifest)));
  await assert.rejects(
    async () => await decodeInferenceNetwork(await openCheckpoint(filesSource(bigger))),
    (e: Error) => e instanceof CheckpointFormatError,
  );
});
