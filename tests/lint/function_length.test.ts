import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { MAX_FUNCTION_LINES } from "./function_length.ts";

const PLUGIN = fileURLToPath(new URL("./function_length.ts", import.meta.url));

/** `deno lint` with only the house plugin on a file holding `source`; the rule's findings. */
async function lintSource(source: string, name = "probe.ts"): Promise<string[]> {
  const dir = await Deno.makeTempDir({ prefix: "alexnet-lint-" });
  try {
    await Deno.writeTextFile(
      `${dir}/deno.json`,
      JSON.stringify({ lint: { plugins: [PLUGIN], rules: { include: [] } } }),
    );
    await Deno.writeTextFile(`${dir}/${name}`, source);
    const { stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["lint", "--json", name],
      cwd: dir,
      env: { NO_COLOR: "1" },
    }).output();
    const report = JSON.parse(new TextDecoder().decode(stdout) || "{}");
    assert.deepEqual(report.errors ?? [], [], new TextDecoder().decode(stderr));
    return (report.diagnostics ?? []).filter((d: { code: string }) => d.code === "house/function-length")
      .map((d: { message: string }) => d.message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const fn = (lines: number) => `export function f() {\n${"  console.log(1);\n".repeat(lines - 2)}}\n`;

Deno.test("function length: 60 lines pass, 61 are reported, a test file and a stated exception are left alone", async () => {
  assert.deepEqual(await lintSource(fn(MAX_FUNCTION_LINES)), []);
  assert.deepEqual(await lintSource(fn(MAX_FUNCTION_LINES + 1)), [
    `this function spans ${MAX_FUNCTION_LINES + 1} lines (at most ${MAX_FUNCTION_LINES}): split it into steps`,
  ]);
  const arrow = `export const g = () => {\n${"  console.log(1);\n".repeat(70)}};\n`;
  assert.equal((await lintSource(arrow)).length, 1, "arrow functions too");
  assert.deepEqual(await lintSource(fn(80), "probe.test.ts"), [], "tests may be long");
  const excused = `// deno-lint-ignore house/function-length -- a table\n${fn(80)}`;
  assert.deepEqual(await lintSource(excused), []);
});
