import assert from "node:assert/strict";
import * as tf from "../backend/tensorflow.ts";
import { selectBackend } from "../backend/select_backend.ts";
import { AlexNet } from "../model/alexnet.ts";
import { CheckpointDigestError, CheckpointFormatError, type ManifestInput } from "../checkpoint/checkpoint_files.ts";
import { readCheckpointDir, writeCheckpointDir } from "../checkpoint/checkpoint_dir.ts";
import { sampleManifestInfo } from "../checkpoint/sample_manifest_info.ts";
import { encodeCheckpoint, loadCheckpointDir } from "./checkpoint_codec.ts";

await selectBackend("wasm");

const info: ManifestInput = sampleManifestInfo({
  name: "roundtrip",
  classNames: ["circle", "square", "triangle"],
  training: { epochs: 0 },
});

async function savedModel(dir: string): Promise<AlexNet> {
  const model = AlexNet.create({ arch: "alexnet", numClasses: 3, inputSize: 64, groups: 2, seed: 4 });
  await writeCheckpointDir(dir, await encodeCheckpoint(model, info));
  return model;
}

Deno.test("checkpoint round trip is bit-exact in weights and logits", async () => {
  const dir = await Deno.makeTempDir();
  const original = await savedModel(dir);
  const entries = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  assert.ok(entries.includes("model.json") && entries.includes("manifest.json"));
  assert.ok(entries.filter((n) => n.endsWith(".bin")).length > 1, "weights are sharded");
  const { manifest, model } = await loadCheckpointDir(dir);
  assert.equal(manifest.arch, "alexnet");
  assert.equal(manifest.groups, 2);
  assert.deepEqual(manifest.classNames, info.classNames);
  const a = original.network.getWeights();
  const b = model.network.getWeights();
  assert.equal(a.length, b.length);
  a.forEach((w, i) => assert.deepEqual(w.dataSync(), b[i].dataSync(), `weight ${i}`));
  const batch = tf.randomUniform([2, 64, 64, 3], -1, 1, "float32", 9) as tf.Tensor4D;
  assert.deepEqual(await model.logits(batch), await original.logits(batch));
  tf.dispose(batch);
  original.dispose();
  model.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a checkpoint with one changed weight byte is refused with a digest error", async () => {
  const dir = await Deno.makeTempDir();
  (await savedModel(dir)).dispose();
  const shard = `${dir}/group1-shard2of${[...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".bin")).length}.bin`;
  const bytes = await Deno.readFile(shard);
  bytes[100] ^= 1;
  await Deno.writeFile(shard, bytes);
  await assert.rejects(loadCheckpointDir(dir), CheckpointDigestError);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a checkpoint with a missing shard or no manifest is refused with a format error", async () => {
  const dir = await Deno.makeTempDir();
  (await savedModel(dir)).dispose();
  const files = await readCheckpointDir(dir);
  assert.ok(files.size > 3);
  await Deno.remove(`${dir}/group1-shard1of${files.size - 2}.bin`);
  await assert.rejects(loadCheckpointDir(dir), CheckpointFormatError);
  await Deno.remove(`${dir}/manifest.json`);
  await assert.rejects(loadCheckpointDir(dir), /no readable manifest.json/);
  await Deno.remove(dir, { recursive: true });
});
