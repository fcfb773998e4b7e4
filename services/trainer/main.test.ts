import assert from "node:assert/strict";
import { taskArgs } from "../../shared/cli/mod.ts";
import { encode as encodePng } from "fast-png";
import { Image } from "imagescript";
import { EpochMetricsSchema } from "../../shared/bus/mod.ts";
import { generateShapeImage } from "../../shared/image/mod.ts";
import { SeededRandom } from "../../shared/random/mod.ts";

async function run(
  task: string,
  args: string[],
  grants: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [...taskArgs(task, grants), ...args],
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
  const missing = await run("train", ["--data", "/no/such/folder"]);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr.trim().split("\n").at(-1), "error: data folder /no/such/folder does not exist");
  const badFlag = await run("train", ["--epochs", "zero"]);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /--epochs must be a positive integer, got "zero"/);
  const unknown = await run("train", ["--colour"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown option '--colour'/);
  const noBackend = await run("train", ["--backend", "tensorflow-gpu", "--epochs", "1"]);
  assert.equal(noBackend.code, 2);
  const lastLine = noBackend.stderr.trim().split("\n").at(-1)!;
  assert.match(
    lastLine,
    /^error: backend tensorflow-gpu is unavailable: .*not installed.*deno install --allow-scripts/,
  );
  const halfOffGpu = await run("train", ["--backend", "wasm", "--shader-f16"]);
  assert.equal(halfOffGpu.code, 2);
  assert.equal(halfOffGpu.stderr.trim().split("\n").at(-1), "error: --shader-f16 needs --backend webgpu");
  const help = await run("train", ["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--augment LIST/);
});

Deno.test("train --json on a folder of real files writes metrics per epoch and both checkpoints", async () => {
  const data = await Deno.makeTempDir({ prefix: "alexnet-data-" });
  const out = await Deno.makeTempDir({ prefix: "alexnet-run-" });
  await writeShapeFolder(data, 6);
  const trained = await run("train", [
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
  ], [`--allow-write=${out}`]);
  assert.equal(trained.code, 0, trained.stderr);
  const epochs = trained.stdout.trim().split("\n").map((line) => EpochMetricsSchema.parse(JSON.parse(line)));
  assert.deepEqual(epochs.map((e) => e.epoch), [1, 2]);
  assert.ok(epochs.every((e) => e.imagesPerSec > 0 && e.valTop1 !== null));
  assert.match(trained.stderr, /skipped .*disc\.999\.jpg/);
  assert.match(trained.stderr, /skipped 1 unreadable, ignored 1 non-image files/);

  // Both checkpoints are complete folders.
  for (const which of ["last", "best"]) {
    const manifest = JSON.parse(await Deno.readTextFile(`${out}/${which}/manifest.json`));
    assert.equal(manifest.name, "cli-test");
    assert.deepEqual(manifest.classNames, ["disc", "square"]);
  }
  await Deno.remove(data, { recursive: true });
  await Deno.remove(out, { recursive: true });
});
