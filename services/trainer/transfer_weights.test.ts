import assert from "node:assert/strict";
import { selectBackend } from "../../shared/backend/select_backend.ts";
import { AlexNet } from "../../shared/model/alexnet.ts";
import { UsageError } from "../../shared/cli/usage_error.ts";
import { copyPretrainedLayers, TRANSFERRED_LAYERS } from "./transfer_weights.ts";
import { transferReport } from "./experiment_transfer_main.ts";

await selectBackend("wasm");

Deno.test("fine-tuning copies conv1–fc7, keeps a fresh fc8 for the new classes, and can freeze the conv layers", () => {
  const source = AlexNet.create({ arch: "alexnet-owt", numClasses: 4, inputSize: 63, width: 0.25, seed: 1 });
  const target = AlexNet.create({ arch: "alexnet-owt", numClasses: 2, inputSize: 96, width: 0.25, seed: 2 });
  copyPretrainedLayers(source, target, { freezeFeatures: true });
  for (const name of TRANSFERRED_LAYERS) {
    const [a, b] = [source.network.getLayer(name).getWeights(), target.network.getLayer(name).getWeights()];
    a.forEach((w, i) => assert.deepEqual(w.dataSync(), b[i].dataSync(), name));
  }
  assert.deepEqual(target.network.getLayer("fc8").getWeights()[0].shape, [1024, 2]);
  assert.equal(target.network.getLayer("conv3").trainable, false);
  assert.equal(target.network.getLayer("fc6").trainable, true);
  const other = AlexNet.create({ arch: "alexnet-owt", numClasses: 2, inputSize: 63, width: 0.5 });
  assert.throws(() => copyPretrainedLayers(source, other, { freezeFeatures: false }), UsageError);
  [source, target, other].forEach((m) => m.dispose());
});

Deno.test("the transfer report has one row per epoch and both final accuracies", () => {
  const epoch = (n: number, acc: number) => ({
    schema: "alexnet.train.epoch/v1" as const,
    runId: "r",
    epoch: n,
    trainLoss: 0.5,
    trainAccuracy: 0.7,
    valLoss: 0.6,
    valTop1: acc,
    valTop5: null,
    learningRate: 0.01,
    seconds: 1,
    imagesPerSec: 10,
  });
  const report = transferReport([epoch(1, 0.5), epoch(2, 0.6)], [epoch(1, 0.7), epoch(2, 0.8)], "x@v1", "cmd");
  assert.match(report, /\| 2 \| 0\.5000 \| 0\.6000 \| 60\.0% \| 0\.5000 \| 0\.6000 \| 80\.0% \|/);
  assert.match(report, /Final val top-1: scratch 60\.0%, pretrained 80\.0%\./);
  assert.match(report, /Pretrained side: x@v1\./);
});
