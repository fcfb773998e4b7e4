import assert from "node:assert/strict";
import { taskArgs } from "../../../shared/cli/mod.ts";
import { decode } from "fast-png";
import { trainTinyCheckpoint } from "../../../tests/fixtures/trained_checkpoint.ts";
import { writeShapeFolder } from "../../../tests/fixtures/shape_folder.ts";

Deno.test("figures draws the conv1 kernels (Fig. 3) and fc7 neighbours (Fig. 4) of a checkpoint", async () => {
  const run = await trainTinyCheckpoint({ name: "figures", width: 0.25 });
  const data = await writeShapeFolder(3);
  const out = `${run}/figures`;
  try {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        ...taskArgs("figures", [`--allow-write=${run}`]),
        "--checkpoint",
        `${run}/last`,
        "--data",
        data,
        "--queries",
        "2",
        "--out",
        out,
      ],
      env: { NO_COLOR: "1" },
    }).output();
    const text = new TextDecoder().decode(stdout);
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.match(text, /fig3-conv1-kernels\.png: 16 conv1 kernels of figures@/);
    assert.equal(text.match(/^query \w+\.\d+\.png: (\S+ ){5}\S+$/gm)?.length, 2, text);
    const fig3 = decode(await Deno.readFile(`${out}/fig3-conv1-kernels.png`));
    const fig4 = decode(await Deno.readFile(`${out}/fig4-fc7-neighbours.png`));
    assert.ok(fig3.width > 0 && fig4.width > fig4.height, `${fig4.width}×${fig4.height}: 7 tiles per row, 2 rows`);
    const missing = await new Deno.Command(Deno.execPath(), {
      args: [...taskArgs("figures"), "--checkpoint", `${run}/last`],
      stderr: "piped",
    }).output();
    assert.equal(missing.code, 2);
  } finally {
    await Deno.remove(run, { recursive: true });
    await Deno.remove(data, { recursive: true });
  }
});
