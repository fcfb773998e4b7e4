import assert from "node:assert/strict";
import { taskArgs } from "../../shared/cli/mod.ts";
import { encode as encodePng } from "fast-png";
import { Image } from "imagescript";
import { writeNpy } from "../../shared/checkpoint/mod.ts";
import { GENERATED_CLASSES, generateShapeImage } from "../../shared/image/mod.ts";
import { SeededRandom } from "../../shared/random/mod.ts";
import { trainTinyCheckpoint } from "../../tests/fixtures/trained_checkpoint.ts";

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [...taskArgs("predict"), ...args],
    env: { NO_COLOR: "1" },
  }).output();
  return { code, stdout: new TextDecoder().decode(stdout), stderr: new TextDecoder().decode(stderr) };
}

Deno.test("predict classifies PNG and JPEG files, prints raw logits for exact --npy tensors, and exits 2 on bad input", async () => {
  const runDir = await trainTinyCheckpoint({ name: "cli-test", width: 0.25 });
  const data = await Deno.makeTempDir({ prefix: "alexnet-predict-" });
  const rng = new SeededRandom(3);
  const disc = generateShapeImage(0, 80, rng), square = generateShapeImage(1, 80, rng);
  await Deno.writeFile(`${data}/disc.png`, encodePng({ ...disc, channels: 3, depth: 8 }));
  const jpeg = new Image(80, 80);
  for (let p = 0; p < 80 * 80; p++) jpeg.bitmap.set([...square.data.subarray(p * 3, p * 3 + 3), 255], p * 4);
  await Deno.writeFile(`${data}/square.jpg`, await jpeg.encodeJPEG(90));
  await Deno.writeTextFile(`${data}/README.txt`, "not an image");
  const checkpoint = `${runDir}/last`;
  try {
    const predicted = await run(["--checkpoint", checkpoint, "--topk", "2", `${data}/disc.png`, `${data}/square.jpg`]);
    assert.equal(predicted.code, 0, predicted.stderr);
    const lines = predicted.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.image), [`${data}/disc.png`, `${data}/square.jpg`]);
    for (const line of lines) {
      assert.match(line.model, /^cli-test@/);
      assert.equal(line.predictions.length, 2);
      for (const p of line.predictions) assert.ok((GENERATED_CLASSES as readonly string[]).includes(p.label));
      assert.ok(line.predictions[0].probability >= line.predictions[1].probability);
    }
    // All four classes: the probabilities are a distribution.
    const all = JSON.parse((await run(["--checkpoint", checkpoint, "--topk", "4", `${data}/disc.png`])).stdout);
    const total = all.predictions.reduce((s: number, p: { probability: number }) => s + p.probability, 0);
    assert.ok(Math.abs(total - 1) < 1e-5, `probabilities sum to ${total}`);

    // The same tensor as NCHW and as NHWC gives the same logits.
    const nhwc = Float32Array.from({ length: 2 * 63 * 63 * 3 }, () => rng.normal());
    const nchw = new Float32Array(nhwc.length);
    for (let n = 0; n < 2; n++) {
      for (let y = 0; y < 63; y++) {
        for (let x = 0; x < 63; x++) {
          for (let c = 0; c < 3; c++) nchw[((n * 3 + c) * 63 + y) * 63 + x] = nhwc[((n * 63 + y) * 63 + x) * 3 + c];
        }
      }
    }
    await Deno.writeFile(`${data}/nhwc.npy`, writeNpy([2, 63, 63, 3], nhwc));
    await Deno.writeFile(`${data}/nchw.npy`, writeNpy([2, 3, 63, 63], nchw));
    const a = await run(["--checkpoint", checkpoint, "--npy", `${data}/nhwc.npy`]);
    const b = await run(["--checkpoint", checkpoint, "--npy", `${data}/nchw.npy`]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout, b.stdout);
    assert.equal(a.stdout.trim().split("\n").length, 2);
    assert.equal(JSON.parse(a.stdout.split("\n")[0]).logits.length, 4);

    const bad = await run(["--checkpoint", checkpoint, `${data}/README.txt`]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /README\.txt: not a JPEG or PNG image/);
    const noCheckpoint = await run(["--checkpoint", "cli-test", `${data}/disc.png`]);
    assert.equal(noCheckpoint.code, 2);
    assert.match(noCheckpoint.stderr, /add --nats URL/);
    // A checkpoint folder with a modified weight file: one line naming it, exit 2.
    const tampered = `${data}/tampered`;
    await Deno.mkdir(tampered);
    for (const entry of Deno.readDirSync(checkpoint)) {
      await Deno.copyFile(`${checkpoint}/${entry.name}`, `${tampered}/${entry.name}`);
    }
    const shard = [...Deno.readDirSync(tampered)].find((e) => e.name.endsWith(".bin"))!.name;
    const bytes = await Deno.readFile(`${tampered}/${shard}`);
    bytes[100] ^= 0xff;
    await Deno.writeFile(`${tampered}/${shard}`, bytes);
    const corrupt = await run(["--checkpoint", tampered, `${data}/disc.png`]);
    assert.equal(corrupt.code, 2);
    assert.match(
      corrupt.stderr.trim().split("\n").at(-1)!,
      new RegExp(`^error: ${tampered}: checkpoint file ${shard} has sha256`),
    );
  } finally {
    await Deno.remove(data, { recursive: true });
    await Deno.remove(runDir, { recursive: true });
  }
});
