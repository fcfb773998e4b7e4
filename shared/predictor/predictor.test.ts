import assert from "node:assert/strict";
import * as tf from "../backend/tensorflow.ts";
import { encode as encodePng } from "fast-png";
import { selectBackend } from "../backend/select_backend.ts";
import { encodeCheckpoint } from "../codec/checkpoint_codec.ts";
import { sampleManifestInfo } from "../checkpoint/sample_manifest_info.ts";
import { generateShapeImage } from "../image/generated_shapes.ts";
import { normalizeBatch } from "../image/normalize_batch.ts";
import { PixelLimitError } from "../image/pixel_limit.ts";
import { SeededRandom } from "../random/seeded_random.ts";
import { AlexNet } from "../model/alexnet.ts";
import { loadPredictor } from "./load_predictor.ts";
import { evaluationCrops, modelInput } from "./preprocess.ts";

await selectBackend("wasm");

// A random-weight network with a checkpoint's manifest; `reference` is the same network,
// asked directly, to check the predictor against.
const reference = AlexNet.create({ arch: "alexnet-owt", numClasses: 4, inputSize: 63, width: 0.25, seed: 9 });
const files = await encodeCheckpoint(
  reference,
  sampleManifestInfo({ name: "shapes", version: "v1", classNames: ["disc", "square", "triangle", "cross"] }),
);
const manifest = JSON.parse(new TextDecoder().decode(files.get("manifest.json")));
const image = generateShapeImage(1, 90, new SeededRandom(2));
const png = encodePng({ ...image, channels: 3, depth: 8 });

/** Softmax per row on the tensor backend, averaged: an independent reference for the predictor's own. */
async function referenceProbabilities(values: Float32Array, count: number): Promise<Float32Array> {
  const mean = tf.tidy(() => {
    const x = tf.tensor4d(values, [count, 63, 63, 3]);
    return tf.mean(tf.softmax(reference.logitsTensor(x, false)), 0);
  });
  const out = (await mean.data()) as Float32Array;
  mean.dispose();
  return out;
}

Deno.test("classify: the network's own softmax on the centre crop, labelled, best first, with timings", async () => {
  const predictor = await loadPredictor(files);
  try {
    const result = await predictor.classify(png, { topk: 4 });
    assert.deepEqual(result.model, { name: "shapes", version: "v1" });
    const { values } = modelInput([image], manifest);
    const expected = await referenceProbabilities(values, 1);
    for (const p of result.predictions) {
      assert.ok(Math.abs(p.probability - expected[p.index]) < 1e-5, `class ${p.index}`);
      assert.equal(p.label, manifest.classNames[p.index]);
    }
    assert.deepEqual(result.predictions.map((p) => p.labels.zh).sort(), ["三角形", "十字", "圆盘", "正方形"].sort());
    const probabilities = result.predictions.map((p) => p.probability);
    assert.deepEqual(probabilities, [...probabilities].sort((a, b) => b - a));
    for (const key of ["decode", "preprocess", "infer", "total"] as const) assert.ok(result.timings[key] >= 0);
    // Decoded pixels give the same answer as the file.
    assert.deepEqual((await predictor.classify(image, { topk: 4 })).predictions, result.predictions);
    assert.equal((await predictor.classify(png, { topk: 2 })).predictions.length, 2);
  } finally {
    predictor.dispose();
  }
});

Deno.test("ten-crop averages the softmax of the ten crops (§4.1) and differs from the centre crop", async () => {
  const predictor = await loadPredictor(files);
  try {
    const tenCrop = await predictor.classify(png, { topk: 4, tta: "ten-crop" });
    const { values, count } = modelInput([image], manifest, "ten-crop");
    assert.equal(count, 10);
    const expected = await referenceProbabilities(values, count);
    for (const p of tenCrop.predictions) assert.ok(Math.abs(p.probability - expected[p.index]) < 1e-5);
    const center = await predictor.classify(png, { topk: 4 });
    assert.notDeepEqual(center.predictions, tenCrop.predictions);
  } finally {
    predictor.dispose();
  }
});

Deno.test("embed gives the network's hidden features of each image's centre crop", async () => {
  const predictor = await loadPredictor(files);
  try {
    const other = generateShapeImage(3, 70, new SeededRandom(5));
    const [a, b] = await predictor.embed([png, other], "fc7");
    assert.equal(a.length, predictor.embeddingSize("fc7"));
    const crops = [image, other].map((im) => evaluationCrops(im, manifest)[0]);
    const x = tf.tensor4d(normalizeBatch(crops, manifest.normalization), [2, 63, 63, 3]);
    const expected = await reference.embed(x, "fc7");
    x.dispose();
    // TF.js's full model against the SIMD kernels: the same sums in another order.
    const largest = Math.max(...expected.flatMap((e) => [...e].map(Math.abs)));
    [a, b].forEach((got, i) =>
      got.forEach((v, k) => assert.ok(Math.abs(v - expected[i][k]) <= 1e-5 * largest, `image ${i}, feature ${k}`))
    );
    const layers = await predictor.embedLayers([other], ["pool5", "fc6"]);
    assert.equal(layers.pool5![0].length, predictor.embeddingSize("pool5"));
    assert.equal(layers.fc6![0].length, predictor.embeddingSize("fc6"));
  } finally {
    predictor.dispose();
  }
});

Deno.test("an image announcing more pixels than allowed is refused before decoding", async () => {
  const predictor = await loadPredictor(files);
  try {
    await assert.rejects(predictor.classify(png, { maxPixels: 80 * 80 }), PixelLimitError);
    await assert.rejects(predictor.embed([png], "fc7", { maxPixels: 80 * 80 }), PixelLimitError);
    assert.equal((await predictor.classify(png, { maxPixels: 90 * 90 })).predictions.length, 4);
  } finally {
    predictor.dispose();
  }
});

Deno.test("a predictor leaks no tensors and frees its network when disposed", async () => {
  const before = tf.memory().numTensors;
  const predictor = await loadPredictor(files);
  const loaded = tf.memory().numTensors;
  await predictor.classify(png, { tta: "ten-crop" });
  await predictor.embed([png]);
  await predictor.kernel("conv1");
  assert.equal(tf.memory().numTensors, loaded, "asking questions leaves no tensors behind");
  predictor.dispose();
  assert.equal(tf.memory().numTensors, before);
});
