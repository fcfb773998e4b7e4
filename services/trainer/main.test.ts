import assert from "node:assert/strict";
import { encode as encodePng } from "fast-png";
import { Image } from "imagescript";
import { EpochMetricsSchema } from "../../shared/bus/messages.ts";
import { writeNpy } from "../../shared/checkpoint/read_npy.ts";
import { generateShapeImage } from "../../shared/image/generated_shapes.ts";
import { SeededRandom } from "../../shared/image/seeded_random.ts";

const TRAIN = new URL("./main.ts", import.meta.url).pathname;
const PREDICT = new URL("./predict_main.ts", import.meta.url).pathname;

async function run(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    env: { NO_COLOR: "1" },
  }).output();
  return { code, stdout: new TextDecoder().decode(stdout), stderr: new TextDecoder().decode(stderr) };
}

/** A Kaggle-layout folder of real PNG and JPEG files, plus one corrupt file and one text file. */
async function writeShapeFolder(dir: string, perClass: number): Promise<void> {
  const rng = new SeededRandom(3);
  const names = ["disc", "square"];
  for (let i = 0; i < perClass; i++) {
    for (const [label, name] of names.entries()) {
      const image = generateShapeImage(label, 80, rng);
      if (i % 2 === 0) {
        await Deno.writeFile(`${dir}/${name}.${i}.png`, encodePng({ ...image, channels: 3, depth: 8 }));
      } else {
        const jpeg = new Image(80, 80);
        for (let p = 0; p < 80 * 80; p++) jpeg.bitmap.set([...image.data.subarray(p * 3, p * 3 + 3), 255], p * 4);
        await Deno.writeFile(`${dir}/${name}.${i}.jpg`, await jpeg.encodeJPEG(90));
      }
    }
  }
  await Deno.writeFile(`${dir}/disc.999.jpg`, new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
  await Deno.writeTextFile(`${dir}/README.txt`, "not an image");
}

Deno.test("train exits 2 with a one-line message for a missing folder or a bad flag", async () => {
  const missing = await run(TRAIN, ["--data", "/no/such/folder"]);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr.trim().split("\n").at(-1), "error: data folder /no/such/folder does not exist");
  const badFlag = await run(TRAIN, ["--epochs", "zero"]);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /--epochs must be a positive integer, got "zero"/);
  const unknown = await run(TRAIN, ["--colour"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown option '--colour'/);
  const noBackend = await run(TRAIN, ["--backend", "tensorflow-gpu", "--epochs", "1"]);
  assert.equal(noBackend.code, 2);
  const lastLine = noBackend.stderr.trim().split("\n").at(-1)!;
  assert.match(
    lastLine,
    /^error: backend tensorflow-gpu is unavailable: .*not installed.*deno install --allow-scripts/,
  );
  const help = await run(TRAIN, ["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--augment LIST/);
});

Deno.test("train --json on a folder of real files, then predict images and exact --npy tensors", async () => {
  const data = await Deno.makeTempDir({ prefix: "alexnet-data-" });
  const out = await Deno.makeTempDir({ prefix: "alexnet-run-" });
  await writeShapeFolder(data, 6);
  const trained = await run(TRAIN, [
    "--data",
    data,
    "--input-size",
    "63",
    "--epochs",
    "2",
    "--batch-size",
    "8",
    "--json",
    "--quiet",
    "--out",
    out,
    "--name",
    "cli-test",
    "--backend",
    "wasm",
  ]);
  assert.equal(trained.code, 0, trained.stderr);
  const epochs = trained.stdout.trim().split("\n").map((line) => EpochMetricsSchema.parse(JSON.parse(line)));
  assert.deepEqual(epochs.map((e) => e.epoch), [1, 2]);
  assert.ok(epochs.every((e) => e.imagesPerSec > 0 && e.valTop1 !== null));
  assert.match(trained.stderr, /skipped .*disc\.999\.jpg/);
  assert.match(trained.stderr, /skipped 1 unreadable, ignored 1 non-image files/);

  const predicted = await run(PREDICT, [
    "--checkpoint",
    `${out}/last`,
    "--topk",
    "2",
    `${data}/disc.0.png`,
    `${data}/square.1.jpg`,
  ]);
  assert.equal(predicted.code, 0, predicted.stderr);
  const lines = predicted.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  for (const line of lines) {
    assert.match(line.model, /^cli-test@/);
    assert.deepEqual(line.predictions.map((p: { label: string }) => p.label).sort(), ["disc", "square"]);
    const total = line.predictions.reduce((s: number, p: { probability: number }) => s + p.probability, 0);
    assert.ok(Math.abs(total - 1) < 1e-5);
  }

  // The same tensor as NCHW and as NHWC gives the same logits.
  const rng = new SeededRandom(4);
  const nhwc = Float32Array.from({ length: 2 * 63 * 63 * 3 }, () => rng.normal());
  const nchw = new Float32Array(nhwc.length);
  for (let n = 0; n < 2; n++) {
    for (let y = 0; y < 63; y++) {
      for (let x = 0; x < 63; x++) {
        for (let c = 0; c < 3; c++) nchw[((n * 3 + c) * 63 + y) * 63 + x] = nhwc[((n * 63 + y) * 63 + x) * 3 + c];
      }
    }
  }
  await Deno.writeFile(`${out}/nhwc.npy`, writeNpy([2, 63, 63, 3], nhwc));
  await Deno.writeFile(`${out}/nchw.npy`, writeNpy([2, 3, 63, 63], nchw));
  const a = await run(PREDICT, ["--checkpoint", `${out}/last`, "--npy", `${out}/nhwc.npy`]);
  const b = await run(PREDICT, ["--checkpoint", `${out}/last`, "--npy", `${out}/nchw.npy`]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  assert.equal(a.stdout.trim().split("\n").length, 2);
  assert.equal(JSON.parse(a.stdout.split("\n")[0]).logits.length, 2);

  const bad = await run(PREDICT, ["--checkpoint", `${out}/last`, `${data}/README.txt`]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /README\.txt: not a JPEG or PNG image/);
  const noCheckpoint = await run(PREDICT, ["--checkpoint", "cli-test", `${data}/disc.0.png`]);
  assert.equal(noCheckpoint.code, 2);
  assert.match(noCheckpoint.stderr, /add --nats URL/);
  await Deno.remove(data, { recursive: true });
  await Deno.remove(out, { recursive: true });
});
