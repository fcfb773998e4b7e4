/**
 * End to end across the bus: `deno task train --nats` publishes checkpoints to a real
 * nats-server; `deno task predict --nats` fetches the newest one by name and classifies a
 * photo exactly as the local checkpoint folder does.
 */
import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { taskArgs } from "../shared/cli/mod.ts";
import { encode as encodePng } from "fast-png";
import { NatsServerProcess } from "../shared/nats_server/mod.ts";
import { connectBus, EVENTS_STREAM, listCheckpointVersions } from "../shared/bus/mod.ts";
import { generateShapeImage } from "../shared/image/mod.ts";
import { SeededRandom } from "../shared/random/mod.ts";

const root = new URL("../", import.meta.url).pathname;

async function task(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), { args, cwd: root, env: { NO_COLOR: "1" } })
    .output();
  return { code, stdout: new TextDecoder().decode(stdout), stderr: new TextDecoder().decode(stderr) };
}

Deno.test("train --nats publishes; predict --nats NAME fetches the newest checkpoint and agrees with the folder", async () => {
  const server = await NatsServerProcess.start();
  const out = await Deno.makeTempDir({ prefix: "alexnet-e2e-" });
  try {
    const trained = await task([
      ...taskArgs("train", [`--allow-write=${out}`]),
      "--input-size",
      "63",
      "--limit",
      "6",
      "--epochs",
      "2",
      "--batch-size",
      "8",
      "--quiet",
      "--name",
      "e2e-shapes",
      "--out",
      out,
      "--nats",
      server.url,
    ]);
    assert.equal(trained.code, 0, trained.stderr);
    assert.match(trained.stderr, /published e2e-shapes@\S+-e001/);
    assert.match(trained.stderr, /published 2 to NATS/);

    const nc = await connectBus(server.url);
    const versions = await listCheckpointVersions(nc, "e2e-shapes");
    assert.equal(versions.length, 2);
    const events = await (await jetstreamManager(nc)).streams.info(EVENTS_STREAM);
    assert.ok(events.state.messages >= 4, "checkpoint, epoch and progress events are in the stream");
    await nc.close();

    const photo = `${out}/photo.png`;
    await Deno.writeFile(
      photo,
      encodePng({ ...generateShapeImage(2, 90, new SeededRandom(9)), channels: 3, depth: 8 }),
    );
    const fromBus = await task([
      ...taskArgs("predict"),
      "--checkpoint",
      "e2e-shapes",
      "--nats",
      server.url,
      photo,
    ]);
    assert.equal(fromBus.code, 0, fromBus.stderr);
    const fromDir = await task([
      ...taskArgs("predict"),
      "--checkpoint",
      `${out}/last`,
      photo,
    ]);
    assert.equal(fromDir.code, 0, fromDir.stderr);
    const busLine = JSON.parse(fromBus.stdout);
    assert.equal(busLine.model, `e2e-shapes@${versions[1]}`);
    assert.deepEqual(busLine, JSON.parse(fromDir.stdout));
    assert.equal(busLine.predictions.length, 4);

    const pinned = await task([
      ...taskArgs("predict"),
      "--checkpoint",
      `e2e-shapes@${versions[0]}`,
      "--nats",
      server.url,
      photo,
    ]);
    assert.equal(JSON.parse(pinned.stdout).model, `e2e-shapes@${versions[0]}`);
  } finally {
    await server.stop({ removeStore: true });
    await Deno.remove(out, { recursive: true });
  }
});
