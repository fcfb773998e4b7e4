import assert from "node:assert/strict";
import type { LogitsRunner } from "./logits_runner.ts";
import { MicroBatcher } from "./micro_batcher.ts";

/** A runner whose "logits" for an image are [first input value, batch size]: shows who ran with whom. */
function recordingRunner(): LogitsRunner & { batches: number[] } {
  const batches: number[] = [];
  return {
    batches,
    run(values, count) {
      batches.push(count);
      const perImage = values.length / count;
      const out = new Float32Array(count * 2);
      for (let i = 0; i < count; i++) out.set([values[i * perImage], count], i * 2);
      return Promise.resolve(out);
    },
  };
}

const image = (id: number, crops = 1) => new Float32Array(crops * 3).fill(id);

Deno.test("requests that arrive together run as one batch and each gets exactly its own rows", async () => {
  const inner = recordingRunner();
  const batcher = new MicroBatcher(inner, { maxBatch: 8, maxWaitMs: 20 });
  const answers = await Promise.all([1, 2, 3].map((id) => batcher.run(image(id), 1)));
  assert.deepEqual(inner.batches, [3]);
  assert.deepEqual(answers.map((a) => [...a]), [[1, 3], [2, 3], [3, 3]]);
  assert.deepEqual(batcher.batchSizes, [3]);
});

Deno.test("a batch never exceeds maxBatch crops; a larger request runs alone", async () => {
  const inner = recordingRunner();
  const batcher = new MicroBatcher(inner, { maxBatch: 4, maxWaitMs: 5 });
  const answers = await Promise.all([
    batcher.run(image(1, 3), 3),
    batcher.run(image(2, 3), 3),
    batcher.run(image(3, 10), 10),
    batcher.run(image(4), 1),
  ]);
  assert.ok(inner.batches.every((n) => n <= 4 || n === 10), `${inner.batches}`);
  assert.equal(inner.batches.reduce((a, b) => a + b), 17);
  assert.deepEqual(answers.map((a) => a.length / 2), [3, 3, 10, 1]);
  assert.deepEqual([answers[0][0], answers[1][0], answers[2][0], answers[3][0]], [1, 2, 3, 4]);
});

Deno.test("a failed forward pass rejects every request of its batch, and the next batch still runs", async () => {
  let fail = true;
  const inner: LogitsRunner = {
    run: (_values, count) => fail ? Promise.reject(new Error("boom")) : Promise.resolve(new Float32Array(count)),
  };
  const batcher = new MicroBatcher(inner, { maxBatch: 8, maxWaitMs: 5 });
  const failed = await Promise.allSettled([batcher.run(image(1), 1), batcher.run(image(2), 1)]);
  assert.deepEqual(failed.map((r) => r.status), ["rejected", "rejected"]);
  fail = false;
  assert.equal((await batcher.run(image(3), 1)).length, 1);
});
