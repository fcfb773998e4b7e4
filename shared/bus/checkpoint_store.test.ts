import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../backend/select_backend.ts";
import { decodeCheckpoint, encodeCheckpoint } from "../checkpoint/checkpoint_files.ts";
import { sampleManifestInfo } from "../checkpoint/sample_manifest_info.ts";
import { AlexNet } from "../model/alexnet.ts";
import { fetchCheckpoint, listCheckpointVersions, publishCheckpoint } from "./checkpoint_store.ts";
import { connectBus } from "./connect_bus.ts";
import { CheckpointPublishedSchema } from "./messages.ts";
import { NatsServerProcess } from "./nats_server_process.ts";
import { CHECKPOINT_PUBLISHED, EVENTS_STREAM } from "./subjects.ts";

await selectBackend("wasm");

Deno.test("a published checkpoint survives a server restart and loads back to identical predictions", async () => {
  const server = await NatsServerProcess.start();
  const nc = await connectBus(server.url);
  const model = AlexNet.create({ arch: "alexnet-owt", numClasses: 2, inputSize: 64, seed: 2 });
  const batch = tf.randomUniform([3, 64, 64, 3], -2, 2, "float32", 1) as tf.Tensor4D;
  try {
    const files = await encodeCheckpoint(
      model,
      sampleManifestInfo({
        name: "bus-test",
        version: "20261129T000000Z-abcd-e001",
        classNames: ["cat", "dog"],
        metrics: { epoch: 1 },
      }),
    );
    const event = await publishCheckpoint(nc, files, { runId: "run", epoch: 1, best: true });
    assert.equal(event.version, "20261129T000000Z-abcd-e001");

    // The event is durable in the stream.
    const jsm = await nc.jetstreamManager();
    const stored = await jsm.streams.getMessage(EVENTS_STREAM, { last_by_subj: CHECKPOINT_PUBLISHED });
    assert.equal(CheckpointPublishedSchema.parse(stored.json()).name, "bus-test");

    await nc.close();
    await server.stop();
    await server.restart();
    const nc2 = await connectBus(server.url);
    try {
      assert.deepEqual(await listCheckpointVersions(nc2, "bus-test"), ["20261129T000000Z-abcd-e001"]);
      const loaded = await decodeCheckpoint(await fetchCheckpoint(nc2, "bus-test"));
      assert.deepEqual(await loaded.model.classify(batch, 2), await model.classify(batch, 2));
      assert.deepEqual(await loaded.model.logits(batch), await model.logits(batch));
      loaded.model.dispose();
      await assert.rejects(fetchCheckpoint(nc2, "no-such-model"), /no checkpoint named no-such-model/);
    } finally {
      await nc2.close();
    }
  } finally {
    batch.dispose();
    model.dispose();
    await server.stop({ removeStore: true });
  }
});
