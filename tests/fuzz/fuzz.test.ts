/**
 * The bounded slice of `deno task fuzz` that runs with the suite: 1,500 requests (after one
 * uncounted round of every case) against real inference and retrieval processes. Every check
 * must pass but the memory one, which is judged on the full 10,000-request run (README,
 * "Reliability"): a short run has not reached its steady state.
 */
import assert from "node:assert/strict";
import { taskArgs } from "../../shared/cli/mod.ts";

Deno.test("fuzz slice: no 5xx, no dropped connection, every case answered as it should, no refused add stored", async () => {
  const json = await Deno.makeTempFile({ suffix: ".json" });
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      ...taskArgs("fuzz"),
      ...["--requests", "1500", "--warm-up-rounds", "1", "--json", json],
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout);
  const result = JSON.parse(await Deno.readTextFile(json).catch(() => "null"));
  assert.ok(result, `the fuzz run wrote no results (exit ${code}):\n${new TextDecoder().decode(stderr)}`);
  assert.equal(result.requests, 1500);
  for (const [what, ok] of result.checks as [string, boolean][]) {
    if (/RSS/.test(what)) continue;
    assert.ok(ok, `${what}\n${text}`);
  }
  assert.match(text, /malformed multipart +\d+/, "the table has every category");
  assert.match(text, /decompression bombs +\d+/);
});
