import assert from "node:assert/strict";
import { selectBackend } from "../../shared/backend/mod.ts";
import { encodeCheckpoint } from "../../shared/codec/mod.ts";
import { sampleManifestInfo, writeCheckpointDir } from "../../shared/checkpoint/mod.ts";
import { UsageError } from "../../shared/cli/mod.ts";
import { AlexNet } from "../../shared/model/mod.ts";
import { initialModel, loadResumed } from "./initial_model.ts";
import { DEFAULT_TRAIN_CONFIG } from "./train_config.ts";

await selectBackend("wasm");

const io = { log: () => {} };
const shape = { arch: "alexnet-owt" as const, inputSize: 63, classNames: ["a", "b"] };

async function savedCheckpoint(classNames: string[], metrics: Record<string, unknown>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "alexnet-initial-" });
  const model = AlexNet.create({ arch: "alexnet-owt", numClasses: classNames.length, inputSize: 63, width: 0.25 });
  await writeCheckpointDir(dir, await encodeCheckpoint(model, sampleManifestInfo({ name: "x", classNames, metrics })));
  model.dispose();
  return dir;
}

Deno.test("a resumed checkpoint brings its weights, epoch and learning rate, and must have the data's classes", async () => {
  const dir = await savedCheckpoint(["a", "b"], { epoch: 3, learningRate: 0.001 });
  const resumed = await loadResumed(dir, 0.01, io);
  assert.deepEqual([resumed.epoch, resumed.learningRate, resumed.classNames], [3, 0.001, ["a", "b"]]);
  assert.equal(await initialModel(DEFAULT_TRAIN_CONFIG, shape, resumed, io), resumed.model);
  resumed.model.dispose();
  const other = await loadResumed(dir, 0.01, io);
  await assert.rejects(initialModel(DEFAULT_TRAIN_CONFIG, { ...shape, classNames: ["a", "c"] }, other, io), UsageError);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a fresh network follows the seed; --pretrained copies conv1–fc7 and keeps a new fc8", async () => {
  const config = { ...DEFAULT_TRAIN_CONFIG, width: 0.25, seed: 5 };
  const [a, b] = [await initialModel(config, shape, null, io), await initialModel(config, shape, null, io)];
  assert.deepEqual(await a.weightArrays(), await b.weightArrays());
  const dir = await savedCheckpoint(["p", "q", "r"], {});
  const lines: string[] = [];
  const tuned = await initialModel({ ...config, pretrained: dir, freezeFeatures: true }, shape, null, {
    log: (l) => lines.push(l),
  });
  const source = await loadResumed(dir, 0.01, io);
  const weights = (m: AlexNet, layer: string) => m.network.getLayer(layer).getWeights()[0].dataSync();
  assert.deepEqual(weights(tuned, "conv1"), weights(source.model, "conv1"));
  assert.notDeepEqual(weights(tuned, "conv1"), weights(a, "conv1"));
  assert.deepEqual(tuned.network.getLayer("fc8").getWeights()[0].shape, [1024, 2]);
  assert.equal(tuned.network.getLayer("conv2").trainable, false);
  assert.match(lines[0], /initialised from x@v1 \(conv1–fc7; fresh fc8; conv layers frozen\)/);
  [a, b, tuned, source.model].forEach((m) => m.dispose());
  await Deno.remove(dir, { recursive: true });
});
