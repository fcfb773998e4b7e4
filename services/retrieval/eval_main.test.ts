import assert from "node:assert/strict";
import { taskArgs } from "../../shared/cli/mod.ts";
import { trainTinyCheckpoint } from "../../tests/fixtures/trained_checkpoint.ts";
import { writeShapeFolder } from "../../tests/fixtures/shape_folder.ts";

Deno.test("retrieval:eval scores fc7, fc6, pool5 and raw pixels on a labelled folder and writes JSON", async () => {
  const run = await trainTinyCheckpoint({ name: "eval", width: 0.25 });
  const data = await writeShapeFolder(4);
  const out = `${run}/eval.json`;
  try {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        ...taskArgs("retrieval:eval", [`--allow-write=${run}`]),
        "--checkpoint",
        `${run}/last`,
        "--data",
        data,
        "--out",
        out,
        "--batch-size",
        "5",
        "--compact-probes",
        "1",
      ],
      env: { NO_COLOR: "1" },
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.match(new TextDecoder().decode(stdout), /^fc7\s+1024\s/m);
    const report = JSON.parse(await Deno.readTextFile(out));
    assert.equal(report.images, 16);
    assert.deepEqual(Object.keys(report.results).sort(), ["fc6", "fc7", "pool5", "raw pixels"]);
    for (const scores of Object.values(report.results) as { precisionAt1: number; meanAveragePrecision: number }[]) {
      assert.ok(scores.precisionAt1 >= 0 && scores.precisionAt1 <= 1 && scores.meanAveragePrecision > 0);
    }
    assert.ok(report.approximate.recallAt10 > 0.9, `HNSW recall@10 ${report.approximate.recallAt10} on 16 images`);
    assert.deepEqual(Object.keys(report.compact).sort(), [
      "default",
      "default, 1 probes",
      "float16",
      "reduced",
      "whiten",
    ]);
    // One list holding all 16, re-ranked on the full (float16) vectors: the exact neighbours but for
    // near-ties at the 10th place that float16 rounding can swap.
    assert.ok(report.compact.default.recallAt10 >= 0.95, JSON.stringify(report.compact.default));
    assert.match(new TextDecoder().decode(stdout), /^fc7 compact default\s+P@10/m);
  } finally {
    await Deno.remove(run, { recursive: true });
    await Deno.remove(data, { recursive: true });
  }
});
