import assert from "node:assert/strict";
import * as tf from "../backend/tensorflow.ts";
import { selectBackend } from "../backend/select_backend.ts";
import { relativeError } from "../codec/torch_parity.ts";
import { AlexNet } from "./alexnet.ts";
import { DataParallelPool } from "./data_parallel_pool.ts";
import { UsageError } from "../cli/usage_error.ts";
import { meanOfSlots } from "./replica_worker.ts";
import { SgdMomentum } from "./sgd_momentum.ts";
import { trainStep } from "./train_step.ts";

await selectBackend("wasm");

const spec = { arch: "alexnet-owt" as const, numClasses: 4, inputSize: 63, width: 0.25, seed: 11 };
const sgdOptions = { learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4 };

for (const [workers, batch] of [[2, 8], [3, 7]] as const) {
  Deno.test(`${workers} workers on a batch of ${batch} give the same weights as one process, to float tolerance`, async () => {
    const single = AlexNet.create(spec);
    const parallel = AlexNet.create(spec);
    const sgd = new SgdMomentum(sgdOptions);
    const pool = await DataParallelPool.start(parallel, { workers, sgd: sgdOptions, frozen: [] });
    try {
      for (let step = 0; step < 3; step++) {
        const x = tf.randomNormal([batch, 63, 63, 3], 0, 1, "float32", 100 + step) as tf.Tensor4D;
        const labels = Array.from({ length: batch }, (_, i) => (i + step) % 4);
        const y = tf.oneHot(tf.tensor1d(labels, "int32"), 4);
        const a = await trainStep(single, sgd, x, y, { dropout: false });
        const b = await pool.step((await x.data()) as Float32Array, labels, 4, { dropout: false, learningRate: 0.01 });
        assert.ok(Math.abs(a.loss - b.loss) < 1e-5 * Math.max(1, a.loss), `step ${step}: loss ${a.loss} vs ${b.loss}`);
        assert.deepEqual([...b.predicted], [...a.predicted]);
        tf.dispose([x, y]);
      }
      await pool.copyWeightsTo(parallel);
      const [wa, wb] = [single.network.getWeights(), parallel.network.getWeights()];
      let worst = 0;
      for (let i = 0; i < wa.length; i++) {
        worst = Math.max(worst, relativeError(await wb[i].data(), await wa[i].data()));
      }
      assert.ok(worst < 1e-4, `largest relative weight difference ${worst}`);
      // And training moved the weights at all (the comparison is not trivially true).
      const fresh = AlexNet.create(spec);
      assert.ok(relativeError(await wa[0].data(), await fresh.network.getWeights()[0].data()) > 1e-3);
      fresh.dispose();
    } finally {
      pool.close();
      sgd.dispose();
      single.dispose();
      parallel.dispose();
    }
  });
}

Deno.test("the shared-memory all-reduce weights each slot by its share and skips members with no images", () => {
  // Three members, slots of 4 floats; member 0 had no images this step (stale values in its slot).
  const all = Float32Array.from([99, 99, 99, 99, 1, 2, 3, 4, 5, 6, 7, 8]);
  const shares = [0, 0.25, 0.75];
  meanOfSlots(all, 4, shares, 0, 2); // the two members' ranges, done separately
  meanOfSlots(all, 4, shares, 2, 4);
  assert.deepEqual([...all.subarray(0, 4)], [4, 5, 6, 7]);
  assert.deepEqual([...all.subarray(4)], [1, 2, 3, 4, 5, 6, 7, 8]);
});

Deno.test("the pool (WASM instances in Web Workers) is refused on another backend with a usage error", async () => {
  await selectBackend("cpu");
  const model = AlexNet.create({ arch: "alexnet-owt", numClasses: 2, inputSize: 63, width: 0.25 });
  try {
    await assert.rejects(
      DataParallelPool.start(model, { workers: 2, sgd: sgdOptions }),
      (e: Error) => e instanceof UsageError && /--workers 2 .* the cpu backend .* leave --workers out/.test(e.message),
    );
  } finally {
    model.dispose();
    await selectBackend("wasm");
  }
});
