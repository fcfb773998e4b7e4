import assert from "node:assert/strict";
import { taskArgs } from "../../../shared/cli/mod.ts";
import { tf } from "../../../shared/backend/mod.ts";
import { selectBackend } from "../../../shared/backend/mod.ts";
import { loadCheckpointDir, torchParity } from "../../../shared/codec/mod.ts";
import { readNpy, readPthStateDict } from "../../../shared/checkpoint/mod.ts";
import { runTraining } from "../app.ts";
import { DEFAULT_TRAIN_CONFIG } from "../train_config.ts";
import { importWeights } from "./import_main.ts";

await selectBackend("wasm");

const fixtures = new URL("../../../shared/checkpoint/torch_fixtures/", import.meta.url);
const fixture = (name: string) => new URL(name, fixtures).pathname;
const npy = async (name: string) => readNpy(await Deno.readFile(fixture(name)));

Deno.test("weights:import writes a verified checkpoint that still matches torchvision's outputs", async () => {
  const out = await Deno.makeTempDir();
  const lines: string[] = [];
  await importWeights(fixture("state_dict_legacy.pth"), out, { log: (l) => lines.push(l) });
  assert.match(
    lines[0],
    /→ .*: state_dict_legacy@imported, alexnet-owt width 0.0625, 10 classes, input 224 \(resize 256\)/,
  );
  const { manifest, model } = await loadCheckpointDir(out);
  try {
    assert.equal(manifest.resizeSize, 256);
    assert.deepEqual(manifest.normalization.mean, [0.485, 0.456, 0.406]);
    assert.equal(manifest.training.importedFrom, "state_dict_legacy.pth");
    const parity = await torchParity(model, await npy("input.npy"), await npy("logits.npy"), await npy("fc7.npy"));
    assert.ok(parity.logits <= 1e-4 && parity.fc7 <= 1e-4, JSON.stringify(parity));
  } finally {
    model.dispose();
  }
});

Deno.test("weights:import exits 2 with one line for a file that is not a state_dict", async () => {
  const bad = await Deno.makeTempFile({ suffix: ".pth" });
  await Deno.writeTextFile(bad, "<html>404</html>");
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [...taskArgs("weights:import", [`--allow-write=${bad}.ckpt`]), bad, "--out", `${bad}.ckpt`],
    stdout: "null",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stderr).trim();
  assert.equal(code, 2, text);
  assert.match(text, /^error: .*not a PyTorch \.pth file/);
  assert.equal(text.split("\n").length, 1);
});

Deno.test("train --pretrained FILE.pth --freeze features starts from torchvision's conv weights", async () => {
  const out = await Deno.makeTempDir();
  await runTraining({
    ...DEFAULT_TRAIN_CONFIG,
    inputSize: 63,
    limit: 8,
    batchSize: 8,
    epochs: 1,
    width: 1 / 16,
    pretrained: fixture("state_dict_zip.pth"),
    freezeFeatures: true,
    out,
    quiet: true,
  }, { log: () => {}, stdout: () => {} });
  const { model } = await loadCheckpointDir(`${out}/last`);
  try {
    const torchConv1 = readPthStateDict(await Deno.readFile(fixture("state_dict_zip.pth"))).get("features.0.weight")!;
    const expected = tf.tidy(() => tf.tensor(torchConv1.data, torchConv1.shape).transpose([2, 3, 1, 0]).dataSync());
    assert.deepEqual(model.network.getLayer("conv1").getWeights()[0].dataSync(), expected);
    assert.equal(model.spec.numClasses, 4, "a fresh fc8 sized to the generated shapes' classes");
  } finally {
    model.dispose();
  }
});
