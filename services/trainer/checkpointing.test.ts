import assert from "node:assert/strict";
import { NatsServerProcess } from "../../shared/nats_server/mod.ts";
import { selectBackend } from "../../shared/backend/mod.ts";
import { connectBus, type EpochMetrics, listCheckpointVersions } from "../../shared/bus/mod.ts";
import { loadCheckpointDir } from "../../shared/codec/mod.ts";
import {
  type CheckpointSigner,
  checkSignature,
  generateSigningKeys,
  readCheckpointDir,
  signerFromJwk,
  trustedKeysFromJwks,
} from "../../shared/checkpoint/mod.ts";
import { AlexNet } from "../../shared/model/mod.ts";
import { Checkpointer } from "./checkpointing.ts";

await selectBackend("wasm");

const metrics = (epoch: number, valTop1: number | null, valLoss: number | null, trainLoss = 1): EpochMetrics => ({
  schema: "alexnet.train.epoch/v1",
  runId: "run-7",
  epoch,
  trainLoss,
  trainAccuracy: 0.5,
  valLoss,
  valTop1,
  valTop5: null,
  learningRate: 0.01,
  seconds: 1,
  imagesPerSec: 10,
});

function checkpointer(
  outDir: string,
  io: ConstructorParameters<typeof Checkpointer>[1],
  signer: CheckpointSigner | null = null,
) {
  return new Checkpointer({
    runId: "run-7",
    name: "shapes",
    outDir,
    classNames: ["a", "b"],
    resizeSize: 73,
    colourPca: null,
    training: { seed: 1 },
    signer,
  }, io);
}

Deno.test("last/ holds every epoch, best/ the best by validation top-1 (ties: lower loss)", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "alexnet-checkpoints-" });
  const model = AlexNet.create({ arch: "alexnet-owt", numClasses: 2, inputSize: 63, width: 0.25 });
  try {
    const checkpoints = checkpointer(outDir, { log: () => {}, stdout: () => {} });
    const saved = [];
    for (const m of [metrics(1, 0.5, 0.7), metrics(2, 0.75, 0.6), metrics(3, 0.75, 0.5), metrics(4, 0.6, 0.4)]) {
      saved.push(await checkpoints.save(model, m));
    }
    assert.deepEqual(saved.map((s) => s.best), [true, true, true, false]);
    assert.deepEqual(saved.map((s) => s.version), [1, 2, 3, 4].map((e) => `run-7-e00${e}`));
    assert.equal(checkpoints.bestEpoch, 3);
    const last = await loadCheckpointDir(`${outDir}/last`), best = await loadCheckpointDir(`${outDir}/best`);
    assert.deepEqual([last.manifest.metrics.epoch, best.manifest.metrics.epoch], [4, 3]);
    assert.deepEqual([best.manifest.name, best.manifest.resizeSize, best.manifest.training], ["shapes", 73, {
      seed: 1,
    }]);
    last.model.dispose();
    best.model.dispose();
    // Without validation, the lowest training loss is best.
    const noVal = checkpointer(outDir, { log: () => {}, stdout: () => {} });
    const [a, b] = [
      await noVal.save(model, metrics(1, null, null, 0.9)),
      await noVal.save(model, metrics(2, null, null, 1.1)),
    ];
    assert.deepEqual([a.best, b.best], [true, false]);
  } finally {
    model.dispose();
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("with a bus, each checkpoint is uploaded and announced", async () => {
  const server = await NatsServerProcess.start();
  const nc = await connectBus(server.url);
  const outDir = await Deno.makeTempDir({ prefix: "alexnet-checkpoints-" });
  const model = AlexNet.create({ arch: "alexnet-owt", numClasses: 2, inputSize: 63, width: 0.25 });
  try {
    const log: string[] = [];
    const checkpoints = checkpointer(outDir, { log: (l) => log.push(l), stdout: () => {}, nats: nc });
    const saved = await checkpoints.save(model, metrics(1, 0.5, 0.7));
    assert.deepEqual(saved, { version: "run-7-e001", best: true, published: true });
    assert.deepEqual(await listCheckpointVersions(nc, "shapes"), ["run-7-e001"]);
    assert.deepEqual(log, ["published shapes@run-7-e001 (best)"]);
  } finally {
    model.dispose();
    await nc.close();
    await server.stop({ removeStore: true });
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("with a signing key, every checkpoint is signed by it, in last/ and best/", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "alexnet-checkpoints-" });
  const model = AlexNet.create({ arch: "alexnet-owt", numClasses: 2, inputSize: 63, width: 0.25 });
  try {
    const { privateJwk, publicJwk, keyId } = await generateSigningKeys();
    const checkpoints = checkpointer(outDir, { log: () => {}, stdout: () => {} }, await signerFromJwk(privateJwk));
    await checkpoints.save(model, metrics(1, 0.5, 0.7));
    const policy = { trusted: await trustedKeysFromJwks([publicJwk]), allowUnsigned: false };
    for (const which of ["last", "best"]) {
      assert.equal(await checkSignature(await readCheckpointDir(`${outDir}/${which}`), policy), keyId);
    }
  } finally {
    model.dispose();
    await Deno.remove(outDir, { recursive: true });
  }
});
