/**
 * The load tools against real services, 64 requests in flight: `load:classify` on an inference
 * service whose queue is made small enough to overflow (so the run meets 503s and must find
 * `Retry-After` on every one), and `load:search` on retrieval. Both must exit 0 and report
 * latency percentiles and resident memory before and after.
 */
import assert from "node:assert/strict";
import { taskArgs, taskFor } from "../shared/cli/mod.ts";
import { encodeRgbPng, generateShapeImage } from "../shared/image/mod.ts";
import { SeededRandom } from "../shared/random/mod.ts";
import { startServiceStack } from "./fixtures/service_stack.ts";

async function load(task: string, url: string, photos: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [...taskArgs(taskFor(task)), "--url", url, "--requests", "600", "--concurrency", "64", ...photos],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const lines = new TextDecoder().decode(stdout).trim().split("\n");
  assert.equal(code, 0, `${task}:\n${lines.join("\n")}\n${new TextDecoder().decode(stderr).slice(-2000)}`);
  return { line: lines[0], result: JSON.parse(lines.at(-1)!) };
}

Deno.test({
  name: "load:classify and load:search at 64 in flight: only 503s with Retry-After, p50/p99 and RSS reported",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "alexnet-load-" });
    const rng = new SeededRandom(5);
    const photos: string[] = [];
    for (let i = 0; i < 4; i++) {
      photos.push(`${dir}/${i}.png`);
      await Deno.writeFile(photos[i], encodeRgbPng(generateShapeImage(i, 160, rng)));
    }
    const stack = await startServiceStack({ inferenceArgs: ["--max-queued", "4", "--max-batch", "1"] });
    try {
      const classify = await load("services/inference/classify_load.ts", `${stack.inference.base}/v1/classify`, photos);
      assert.ok(classify.result.statuses["200"] > 0, classify.line);
      assert.ok(classify.result.statuses["503"] > 0, `the small queue overflowed: ${classify.line}`);
      const search = await load("services/retrieval/search_load.ts", `${stack.retrieval.base}/v1/search?k=5`, photos);
      assert.ok(search.result.statuses["200"] > 0, search.line);
      for (const { result, line } of [classify, search]) {
        assert.equal(result.requests, 600);
        assert.ok(result.p50Ms > 0 && result.p99Ms >= result.p50Ms, line);
        assert.ok(result.rssBeforeMiB > 10 && result.rssAfterMiB > 10, `RSS from /metrics: ${line}`);
        assert.match(line, /PASS: no error but 503 with Retry-After/);
      }
    } finally {
      await stack.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
