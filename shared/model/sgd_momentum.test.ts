import assert from "node:assert/strict";
import { selectBackend, tf } from "../backend/mod.ts";
import { assertClose } from "../backend/kernel_test_support.ts";
import { AlexNet } from "./alexnet.ts";
import { SgdMomentum } from "./sgd_momentum.ts";
import { trainStep } from "./train_step.ts";

const SGD = { learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4 };

/** Three steps of a quarter-width network on fixed batches: its weights, and whether they kept their memory. */
async function threeSteps(
  backend: "wasm" | "native",
  inPlace = true,
): Promise<{ weights: Float32Array[]; sameMemory: boolean }> {
  await selectBackend(backend);
  const model = AlexNet.create({ arch: "alexnet", groups: 2, numClasses: 3, inputSize: 67, width: 0.25, seed: 3 });
  const sgd = new SgdMomentum({ ...SGD, inPlace });
  try {
    const before = model.network.weights.map((w) => w.read().dataId);
    for (let s = 0; s < 3; s++) {
      const x = tf.randomNormal([4, 67, 67, 3], 0, 1, "float32", s + 1) as tf.Tensor4D;
      const y = tf.oneHot(tf.tensor1d([0, 1, 2, s % 3], "int32"), 3);
      await trainStep(model, sgd, x, y, { dropout: false });
      tf.dispose([x, y]);
    }
    const sameMemory = model.network.weights.every((w, i) => w.read().dataId === before[i]);
    return { weights: await model.weightArrays(), sameMemory };
  } finally {
    sgd.dispose();
    model.dispose();
    await selectBackend("wasm");
  }
}

Deno.test("on native the update runs in place and moves the weights as the tensor ops do", async () => {
  const inPlace = await threeSteps("native");
  const ops = await threeSteps("native", false);
  assert.ok(inPlace.sameMemory, "every weight updated in its own memory");
  assert.ok(!ops.sameMemory);
  inPlace.weights.forEach((w, i) => assertClose(w, ops.weights[i], `weight ${i}`, 1e-5));
  // Plain WASM keeps the tensor ops: XNNPACK holds packed copies of the weights.
  assert.ok(!(await threeSteps("wasm")).sameMemory);
});

Deno.test("a weight that shares its memory with another tensor is updated by tensor ops, leaving that tensor alone", async () => {
  await selectBackend("native");
  const weight = tf.variable(tf.zeros([2, 3]), true, "shared-weight");
  const kept = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
  weight.assign(kept); // both now hold the same memory
  const sgd = new SgdMomentum(SGD);
  try {
    sgd.apply({ [weight.name]: tf.onesLike(weight) });
    assert.deepEqual([...await kept.data()], [1, 2, 3, 4, 5, 6]);
    const expected = [1, 2, 3, 4, 5, 6].map((w) => w - 0.01 - 0.01 * 5e-4 * w);
    assertClose((await weight.data()) as Float32Array, Float32Array.from(expected), "weight", 1e-6);
  } finally {
    sgd.dispose();
    tf.dispose([weight, kept]);
    await selectBackend("wasm");
  }
});
