import assert from "node:assert/strict";
import * as tf from "../backend/tensorflow.ts";
import { selectBackend } from "../backend/select_backend.ts";
import { readNpy } from "../checkpoint/read_npy.ts";
import { PthFormatError, readPthStateDict } from "../checkpoint/read_pth.ts";
import { torchParity } from "./torch_parity.ts";
import { alexNetFromTorchvision } from "./torchvision_alexnet.ts";

await selectBackend("wasm");

const fixtures = new URL("../checkpoint/torch_fixtures/", import.meta.url);
const npy = async (name: string) => readNpy(await Deno.readFile(new URL(name, fixtures)));

for (const format of ["zip", "legacy"]) {
  Deno.test(`logits and fc7 match torchvision within 1e-4 relative (${format} .pth)`, async () => {
    const tensors = readPthStateDict(await Deno.readFile(new URL(`state_dict_${format}.pth`, fixtures)));
    const model = alexNetFromTorchvision(tensors);
    try {
      assert.equal(model.spec.width, 1 / 16);
      assert.equal(model.spec.numClasses, 10);
      const before = tf.memory().numTensors;
      const parity = await torchParity(model, await npy("input.npy"), await npy("logits.npy"), await npy("fc7.npy"));
      assert.equal(tf.memory().numTensors, before);
      assert.ok(parity.logits <= 1e-4, `logits relative error ${parity.logits}`);
      assert.ok(parity.fc7 <= 1e-4, `fc7 relative error ${parity.fc7}`);
    } finally {
      model.dispose();
    }
  });
}

Deno.test("parity fails when fc6's input permutation is left out", async () => {
  // Guards the test itself: a mapping that flattens NCHW weights as if they were NHWC must be caught.
  const tensors = readPthStateDict(await Deno.readFile(new URL("state_dict_zip.pth", fixtures)));
  const model = alexNetFromTorchvision(tensors);
  try {
    const fc6 = model.network.getLayer("fc6");
    const w = tensors.get("classifier.1.weight")!;
    const [, bias] = fc6.getWeights();
    const naive = tf.tidy(() => tf.transpose(tf.tensor2d(w.data, w.shape as [number, number])));
    fc6.setWeights([naive, bias]);
    naive.dispose();
    const parity = await torchParity(model, await npy("input.npy"), await npy("logits.npy"), await npy("fc7.npy"));
    assert.ok(parity.logits > 1e-2, `unpermuted fc6 still matched: ${parity.logits}`);
  } finally {
    model.dispose();
  }
});

Deno.test("a state_dict of another network is refused naming the unexpected tensors", async () => {
  const tensors = readPthStateDict(await Deno.readFile(new URL("views_and_dtypes_zip.pth", fixtures)));
  assert.throws(
    () => alexNetFromTorchvision(tensors),
    (e: Error) => e instanceof PthFormatError && /transposed/.test(e.message),
  );
});
