import assert from "node:assert/strict";
import { selectBackend } from "../../shared/backend/mod.ts";
import { UsageError } from "../../shared/cli/mod.ts";
import { AlexNet } from "../../shared/model/mod.ts";
import { copyPretrainedLayers, TRANSFERRED_LAYERS } from "./transfer_weights.ts";

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
