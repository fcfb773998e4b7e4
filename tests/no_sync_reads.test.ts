/**
 * Tensor reads are awaited everywhere outside tests: `dataSync()`, `arraySync()` and
 * `bufferSync()` block on the device, and on WebGPU in Deno they fail (they read back through a
 * canvas Deno does not have). This test reads every TypeScript file that is not a test.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const SYNC_READ = /\.(dataSync|arraySync|bufferSync)\s*\(/;

async function* sourceFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(`${ROOT}${dir}`)) {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory && !["node_modules", ".git", "runs", ".data"].includes(entry.name)) yield* sourceFiles(path);
    else if (entry.isFile && entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) yield path;
  }
}

/** `file:line` of every synchronous tensor read in `text`. */
export function syncReads(path: string, text: string): string[] {
  return text.split("\n").flatMap((line, i) => SYNC_READ.test(line) ? [`${path}:${i + 1}: ${line.trim()}`] : []);
}

Deno.test("no synchronous tensor read outside tests", async () => {
  const found: string[] = [];
  let files = 0;
  for await (const path of sourceFiles("")) {
    files++;
    found.push(...syncReads(path, await Deno.readTextFile(`${ROOT}${path}`)));
  }
  assert.ok(files > 100, `read ${files} files`);
  assert.deepEqual(found, [], `await data()/array() instead:\n${found.join("\n")}`);
});

Deno.test("the check sees a synchronous read", () => {
  assert.deepEqual(syncReads("x.ts", "const a = 1;\nconst v = t.dataSync();\nt.arraySync ();"), [
    "x.ts:2: const v = t.dataSync();",
    "x.ts:3: t.arraySync ();",
  ]);
  assert.deepEqual(syncReads("x.ts", "const v = await t.data();"), []);
});
