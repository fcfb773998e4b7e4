import assert from "node:assert/strict";
import { taskArgs } from "../../shared/cli/mod.ts";
import { encode as encodePng } from "fast-png";
import { selectBackend } from "../../shared/backend/mod.ts";
import { encodeCheckpoint } from "../../shared/codec/mod.ts";
import { sampleManifestInfo, writeCheckpointDir } from "../../shared/checkpoint/mod.ts";
import { generateShapeImage } from "../../shared/image/mod.ts";
import { SeededRandom } from "../../shared/random/mod.ts";
import { AlexNet } from "../../shared/model/mod.ts";
import { spawnService } from "../../tests/fixtures/spawn_service.ts";

await selectBackend("wasm");
const MAIN = new URL("./main.ts", import.meta.url).pathname;

Deno.test("serve:inference --checkpoint answers HTTP, and exits 2 on bad flags or a folder that is no checkpoint", async () => {
  const dir = await Deno.makeTempDir({ prefix: "alexnet-serve-" });
  const model = AlexNet.create({ arch: "alexnet-owt", numClasses: 2, inputSize: 63, width: 0.25 });
  await writeCheckpointDir(
    dir,
    await encodeCheckpoint(model, sampleManifestInfo({ name: "cats-dogs", version: "v7", classNames: ["cat", "dog"] })),
  );
  model.dispose();

  const bad = await new Deno.Command(Deno.execPath(), {
    args: [...taskArgs("serve:inference"), "--checkpoint", dir, "--port", "x"],
    stderr: "piped",
  })
    .output();
  assert.equal(bad.code, 2);
  assert.match(new TextDecoder().decode(bad.stderr), /--port must be an integer ≥ 0/);
  const notCheckpoint = await new Deno.Command(Deno.execPath(), {
    args: [...taskArgs("serve:inference"), "--checkpoint", `${dir}/nothing-here`, "--allow-unsigned", "--port", "0"],
    stderr: "piped",
  }).output();
  assert.equal(notCheckpoint.code, 2);
  const lastLine = new TextDecoder().decode(notCheckpoint.stderr).trim().split("\n").at(-1);
  assert.equal(lastLine, `error: ${dir}/nothing-here is not a checkpoint: it has no readable manifest.json`);

  const { base, child } = await spawnService(MAIN, ["--checkpoint", dir]);
  try {
    const image = encodePng({ ...generateShapeImage(0, 80, new SeededRandom(2)), channels: 3, depth: 8 });
    const res = await fetch(`${base}/v1/classify`, {
      method: "POST",
      body: image as BodyInit,
      headers: { "content-type": "image/png" },
    });
    const body = await res.json();
    assert.equal(res.status, 200);
    assert.equal(body.model.version, "v7");
    assert.deepEqual(body.predictions.map((p: { labels: { zh: string } }) => p.labels.zh).sort(), ["狗", "猫"]);
    assert.equal((await fetch(`${base}/readyz`).then((r) => r.json())).status, "ready");
  } finally {
    child.kill("SIGTERM");
    const status = await child.status;
    assert.equal(status.code, 0, "SIGTERM shuts down cleanly");
    await Deno.remove(dir, { recursive: true });
  }
});
