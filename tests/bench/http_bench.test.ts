import assert from "node:assert/strict";
import { selectBackend } from "../../shared/backend/mod.ts";
import { encodeRgbPng, generateShapeImage } from "../../shared/image/mod.ts";
import { SeededRandom } from "../../shared/random/mod.ts";
import { tinyCheckpoint } from "../fixtures/tiny_checkpoint.ts";
import { measureHttp, startInference } from "./http_bench.ts";

const photos = (() => {
  const rng = new SeededRandom(3);
  return [0, 1, 2, 3].map((label) => encodeRgbPng(generateShapeImage(label, 80, rng)));
})();

Deno.test("the bench's HTTP section starts the service on each weight encoding and answers every request", async () => {
  await selectBackend("wasm");
  const files = await tinyCheckpoint("bench-http", "20261130T000000Z-beef-e001");
  const http = await measureHttp(files, photos, { requests: 12, concurrency: 3, workers: 2 }, () => {});
  assert.deepEqual(Object.keys(http.coldStarts).sort(), ["float16", "float32", "int8"]);
  for (const { seconds, weightMiB } of Object.values(http.coldStarts)) {
    assert.ok(seconds > 0 && weightMiB > 0);
  }
  assert.ok(http.coldStarts.int8.weightMiB < http.coldStarts.float16.weightMiB);
  assert.ok(http.coldStarts.float16.weightMiB < http.coldStarts.float32.weightMiB);
  assert.equal(http.failed, 0);
  assert.ok(http.perSecond > 0 && http.p50Ms > 0 && http.p99Ms >= http.p50Ms);
  assert.ok(http.withWorkers, "a second service with --workers 2 was measured");
  assert.equal(http.withWorkers.failed, 0);
  assert.equal(http.withWorkers.workers, 2);
});

Deno.test("the bench's service start fails at once with the service's reason instead of waiting out its timeout", async () => {
  const missing = `${await Deno.makeTempDir()}/no-such-checkpoint`;
  const started = performance.now();
  await assert.rejects(startInference(missing, photos[0], [], 60_000), /no-such-checkpoint|exited/);
  assert.ok(performance.now() - started < 30_000);
});
