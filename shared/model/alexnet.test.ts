import assert from "node:assert/strict";
import * as tf from "../backend/tensorflow.ts";
import seedrandom from "seedrandom";
import { selectBackend } from "../backend/select_backend.ts";
import { AlexNet } from "./alexnet.ts";
import { buildAlexNet } from "./build_alexnet.ts";
import { adaptiveBins } from "./adaptive_avg_pool2d.ts";
import { LocalResponseNorm } from "./local_response_norm.ts";

await selectBackend("wasm");

function paramCount(spec: Parameters<typeof buildAlexNet>[0]): number {
  const net = buildAlexNet(spec);
  const n = net.countParams();
  net.dispose();
  return n;
}

Deno.test("alexnet has the paper's 62,378,344 parameters with 1000 classes", () => {
  assert.equal(paramCount({ arch: "alexnet", numClasses: 1000 }), 62_378_344);
});

Deno.test("alexnet with two towers (groups 2) has 60,965,224 parameters", () => {
  assert.equal(paramCount({ arch: "alexnet", numClasses: 1000, groups: 2 }), 60_965_224);
});

Deno.test("alexnet-owt has torchvision's 61,100,840 parameters", () => {
  assert.equal(paramCount({ arch: "alexnet-owt", numClasses: 1000 }), 61_100_840);
});

Deno.test("width 0.25 scales every layer: alexnet-owt with 10 classes has 3,579,098 parameters", () => {
  // conv 16-48-96-64-64, fc 1024-1024-10: hand-counted weights + biases.
  assert.equal(paramCount({ arch: "alexnet-owt", numClasses: 10, width: 0.25 }), 3_579_098);
  assert.equal(paramCount({ arch: "alexnet", numClasses: 10, width: 0.25, groups: 2 }) > 0, true);
});

Deno.test("alexnet feature maps follow the paper at 227: 55, 27, 13, 6", () => {
  const net = buildAlexNet({ arch: "alexnet", numClasses: 10 });
  const side = (name: string) => (net.getLayer(name).outputShape as number[])[1];
  assert.deepEqual([side("conv1"), side("pool1"), side("pool2"), side("pool5")], [55, 27, 13, 6]);
  assert.deepEqual(net.getLayer("conv1").getWeights()[0].shape, [11, 11, 3, 96]);
  net.dispose();
});

Deno.test("alexnet-owt feature maps follow torchvision at 224: 55, 27, 13, 6", () => {
  const net = buildAlexNet({ arch: "alexnet-owt", numClasses: 10 });
  const side = (name: string) => (net.getLayer(name).outputShape as number[])[1];
  assert.deepEqual([side("conv1"), side("pool1"), side("pool2"), side("pool5")], [55, 27, 13, 6]);
  net.dispose();
});

Deno.test("both variants accept the smallest input, 63 px, and reject 62", async () => {
  for (const arch of ["alexnet", "alexnet-owt"] as const) {
    const net = AlexNet.create({ arch, numClasses: 3, inputSize: 63 });
    const batch = tf.randomUniform([2, 63, 63, 3]) as tf.Tensor4D;
    const logits = await net.logits(batch);
    assert.equal(logits.length, 2);
    assert.equal(logits[0].length, 3);
    batch.dispose();
    net.dispose();
    assert.throws(() => buildAlexNet({ arch, numClasses: 3, inputSize: 62 }), /input size must be an integer ≥ 63/);
  }
});

Deno.test("paper init: conv weights have std 0.01 and conv2 biases are 1", () => {
  const net = buildAlexNet({ arch: "alexnet", numClasses: 10, seed: 3 });
  const [w1, b1] = net.getLayer("conv1").getWeights();
  const [, b2] = net.getLayer("conv2").getWeights();
  const std = tf.tidy(() => tf.sqrt(tf.moments(w1).variance).dataSync()[0]);
  assert.ok(Math.abs(std - 0.01) < 0.0005, `conv1 std ${std}`);
  assert.deepEqual([...new Set(b1.dataSync())], [0]);
  assert.deepEqual([...new Set(b2.dataSync())], [1]);
  net.dispose();
});

Deno.test("embed returns fc6/fc7 4096-d and pool5 9216-d vectors, logits one row per image", async () => {
  const net = AlexNet.create({ arch: "alexnet-owt", numClasses: 7, inputSize: 67 });
  const batch = tf.randomUniform([3, 67, 67, 3]) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  assert.equal((await net.embed(batch, "fc7"))[0].length, 4096);
  assert.equal((await net.embed(batch, "fc6"))[1].length, 4096);
  assert.equal((await net.embed(batch, "pool5"))[2].length, 9216);
  const logits = await net.logits(batch);
  assert.deepEqual(logits.map((row) => row.length), [7, 7, 7]);
  assert.equal(tf.memory().numTensors, before, "logits/embed leaked tensors");
  assert.throws(() => net.logitsTensor(tf.zeros([1, 64, 64, 3]) as tf.Tensor4D, false), /\[n, 67, 67, 3\]/);
  batch.dispose();
  net.dispose();
});

Deno.test("LRN matches a direct loop over the paper's formula (k=2, n=5, α=1e-4, β=0.75)", () => {
  const [n, h, w, c] = [2, 3, 4, 9];
  const rng = seedrandom("lrn");
  const values = Float32Array.from({ length: n * h * w * c }, () => (rng() - 0.3) * 40);
  const expected = new Float32Array(values.length);
  for (let p = 0; p < n * h * w; p++) {
    for (let i = 0; i < c; i++) {
      let sum = 0;
      for (let j = Math.max(0, i - 2); j <= Math.min(c - 1, i + 2); j++) sum += values[p * c + j] ** 2;
      expected[p * c + i] = values[p * c + i] / (2 + 1e-4 * sum) ** 0.75;
    }
  }
  const x = tf.tensor4d(values, [n, h, w, c]);
  const y = new LocalResponseNorm().apply(x) as tf.Tensor;
  const actual = y.dataSync();
  for (let i = 0; i < values.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= 1e-5 * Math.max(1, Math.abs(expected[i])), `element ${i}`);
  }
  tf.dispose([x, y]);
});

Deno.test("dropout changes outputs in training and leaves inference outputs identical", () => {
  const net = AlexNet.create({ arch: "alexnet", numClasses: 4, inputSize: 63, seed: 1 });
  const batch = tf.randomUniform([2, 63, 63, 3], 0, 1, "float32", 5) as tf.Tensor4D;
  const run = (training: boolean) => tf.tidy(() => net.logitsTensor(batch, training).dataSync());
  const inferA = run(false);
  const inferB = run(false);
  assert.deepEqual(inferA, inferB);
  const trainA = run(true);
  const trainB = run(true);
  assert.notDeepEqual(trainA, trainB);
  assert.notDeepEqual(trainA, inferA);
  batch.dispose();
  net.dispose();
});

Deno.test("adaptive pooling bins follow PyTorch's floor/ceil rule", () => {
  assert.deepEqual(adaptiveBins(6, 6), [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [5, 6]]);
  assert.deepEqual(adaptiveBins(1, 6), Array(6).fill([0, 1]));
  assert.deepEqual(adaptiveBins(8, 6), [[0, 2], [1, 3], [2, 4], [4, 6], [5, 7], [6, 8]]);
});

Deno.test("a dropout seed fixes the training pass's masks: the same seed the same logits, another seed or none others", async () => {
  for (const arch of ["alexnet-owt", "alexnet"] as const) {
    const net = AlexNet.create({ arch, numClasses: 4, inputSize: 67, width: 0.25, seed: 3 });
    const x = tf.randomNormal([2, 67, 67, 3], 0, 1, "float32", 4) as tf.Tensor4D;
    const pass = async (seed: number | undefined) => {
      net.setDropoutSeed(seed);
      const out = net.logitsTensor(x, true);
      const values = (await out.data()) as Float32Array;
      out.dispose();
      return [...values];
    };
    try {
      const first = await pass(7);
      assert.deepEqual(await pass(7), first, `${arch}: seed 7 twice`);
      assert.notDeepEqual(await pass(8), first, `${arch}: seed 8`);
      assert.notDeepEqual(await pass(undefined), await pass(undefined), `${arch}: unseeded`);
    } finally {
      x.dispose();
      net.dispose();
    }
  }
});
