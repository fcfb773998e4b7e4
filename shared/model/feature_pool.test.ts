import assert from "node:assert/strict";
import * as tf from "../backend/tensorflow.ts";
import { selectBackend } from "../backend/select_backend.ts";
import { UsageError } from "../cli/usage_error.ts";
import { AlexNet } from "./alexnet.ts";
import { decodeInferenceNetwork, encodeCheckpoint } from "../codec/mod.ts";
import { filesSource, openCheckpoint, quantizeCheckpoint, sampleManifestInfo } from "../checkpoint/mod.ts";
import { FeaturePool } from "./feature_pool.ts";
import type { InferenceNetwork } from "./inference_network.ts";

await selectBackend("wasm");

const spec = { arch: "alexnet-owt" as const, numClasses: 4, inputSize: 63, width: 0.25 };

/** A full AlexNet and the inference network decoded from its checkpoint (float32 head). */
async function networkAndReference(): Promise<{ network: InferenceNetwork; reference: AlexNet }> {
  const reference = AlexNet.create({ ...spec, seed: 11 });
  const files = await encodeCheckpoint(
    reference,
    sampleManifestInfo({ name: "pool", classNames: ["a", "b", "c", "d"] }),
  );
  return { network: await decodeInferenceNetwork(await openCheckpoint(filesSource(files))), reference };
}

Deno.test("the feature pool's workers give the logits of one full network, each image in its place", async () => {
  const { network, reference } = await networkAndReference();
  const pool = await FeaturePool.start(network, { workers: 2 });
  try {
    const x = tf.randomNormal([5, 63, 63, 3], 0, 1, "float32", 7) as tf.Tensor4D;
    const expected = (await reference.logits(x)).flatMap((r) => [...r]);
    const got = await pool.logits((await x.data()) as Float32Array, 5);
    const direct = await network.logits((await x.data()) as Float32Array, 5);
    x.dispose();
    const scale = Math.max(...expected.map(Math.abs));
    for (let i = 0; i < expected.length; i++) {
      assert.ok(Math.abs(got[i] - expected[i]) <= 1e-5 * scale, `logit ${i}: ${got[i]} vs ${expected[i]}`);
      assert.equal(got[i], direct[i], "the pool and this thread run the same arithmetic");
    }
  } finally {
    pool.close();
    network.dispose();
    reference.dispose();
  }
});

Deno.test("an int8 checkpoint's workers run the int8 convolutions and answer what this thread answers", async () => {
  const reference = AlexNet.create({ ...spec, seed: 12 });
  const files = await quantizeCheckpoint(
    await encodeCheckpoint(reference, sampleManifestInfo({ name: "pool", classNames: ["a", "b", "c", "d"] })),
    "int8",
  );
  reference.dispose();
  const network = await decodeInferenceNetwork(await openCheckpoint(filesSource(files)));
  assert.equal(network.features.precision, "int8");
  const pool = await FeaturePool.start(network, { workers: 2 });
  try {
    const x = (await tf.randomNormal([3, 63, 63, 3], 0, 1, "float32", 8).data()) as Float32Array;
    assert.deepEqual(await pool.logits(x, 3), await network.logits(x, 3));
  } finally {
    pool.close();
    network.dispose();
  }
});

Deno.test("the feature pool (WASM instances in Web Workers) is refused where another TF.js backend runs the convolutions", async () => {
  // TF.js's pure-JS CPU backend stands in for a device backend: the convolutions are TF.js layers on it.
  await selectBackend("cpu");
  const { network, reference } = await networkAndReference();
  try {
    assert.equal(network.features.constructor.name, "TfjsFeatures");
    await assert.rejects(
      FeaturePool.start(network, { workers: 2 }),
      (e: Error) => e instanceof UsageError && /--workers 2 .* the cpu backend .* leave --workers out/.test(e.message),
    );
  } finally {
    await selectBackend("wasm");
    network.dispose();
    reference.dispose();
  }
});
