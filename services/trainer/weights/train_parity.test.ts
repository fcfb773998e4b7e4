import assert from "node:assert/strict";
import { selectBackend } from "../../../shared/backend/mod.ts";
import {
  type ParityErrors,
  parityFailures,
  TRAIN_PARITY_TOLERANCE,
  trainParity,
  type TrainParityResult,
  worstTrainError,
} from "./train_parity.ts";

// The small case of `verify:torch --train`: quarter-width networks, three steps of SGD against PyTorch's
// (Debian's python3-torch, which the test task installs), on each backend (WebGPU on whatever adapter the machine has:
// Mesa's software Vulkan in CI); the paper's network with its LRN, two towers and ceil pooling; dropout off, and on
// with our masks handed to PyTorch.
for (const backend of ["wasm", "native", "webgpu"] as const) {
  for (const arch of ["alexnet-owt", "alexnet"] as const) {
    for (const dropout of [false, true]) {
      const how = dropout ? "with the same dropout masks" : "without dropout";
      const within = dropout ? "within 1e-3 or PyTorch's own drift" : "within 1e-3";
      Deno.test(`three SGD steps of ${arch} on ${backend} ${how} move every weight as PyTorch's do (${within})`, async () => {
        await selectBackend(backend);
        const dir = await Deno.makeTempDir({ prefix: "train-parity-" });
        try {
          const result = await trainParity({
            python: Deno.env.get("PYTHON") ?? "/usr/bin/python3",
            arch,
            width: 0.25,
            inputSize: 71, // the paper's ceil pooling rounds up at 71 (16 → 8), not at 67
            batch: 4,
            steps: 3,
            classes: 5,
            seed: 1,
            dir,
            dropout,
            // With dropout the updates of three steps are small and cancel: held to PyTorch's own drift and to
            // float64 where those exceed 1e-3 (conv1's update: 1.5e-3 from PyTorch's on WASM, measured).
            calibrate: dropout,
            reference: dropout,
          });
          assert.equal(result.losses.ours.length, 3);
          assert.ok(result.losses.ours[0] > 0.5, `a real loss, not a stub: ${result.losses.ours[0]}`);
          assert.deepEqual(parityFailures(result), []);
          // The same masks on both sides: every loss within 1e-5 (masks drawn from the next seed fail it: tried).
          assert.ok(Math.max(...result.lossErrors) <= 1e-5, `losses ${JSON.stringify(result.losses)}`);
          if (!dropout) {
            // Uncalibrated, so held to 1e-3 everywhere.
            const worst = worstTrainError(result);
            assert.ok(worst <= TRAIN_PARITY_TOLERANCE, `worst relative error ${worst}: ${JSON.stringify(result)}`);
          }
        } finally {
          await selectBackend("wasm");
          await Deno.remove(dir, { recursive: true });
        }
      });
    }
  }
}

/** A comparison of one step and one tensor whose error after step 1 is `e` (the rest exact). */
const errors = (e: number): ParityErrors => ({
  lossErrors: [0],
  weights: { afterFirst: { error: e, tensor: "conv3/bias" }, afterLast: { error: 0, tensor: "conv3/bias" } },
  updates: { error: 0, tensor: "conv3/bias" },
  perTensor: { names: ["conv3/bias"], afterFirst: [e], afterLast: [0], updates: [0] },
});
const result = (e: number, extra: Partial<TrainParityResult> = {}): TrainParityResult => ({
  ...errors(e),
  losses: { ours: [1], torch: [1] },
  ...extra,
});

Deno.test("a tensor 1e-2 from PyTorch's fails, unless PyTorch drifts as far from itself or from float64, or a kink does", () => {
  assert.deepEqual(parityFailures(result(5e-4)), []);
  assert.match(parityFailures(result(1e-2)).join(), /conv3\/bias after step 1 1\.00e-2 > 1\.00e-3/);
  assert.deepEqual(parityFailures(result(1e-2, { floor: errors(3e-3) })), []);
  assert.equal(parityFailures(result(1e-2, { floor: errors(1e-3) })).length, 1);
  // Ours 2e-2 from float64 where PyTorch's float32 run is 1e-2 from it: as close to exact as PyTorch is.
  const exact = errors(0);
  assert.deepEqual(
    parityFailures(result(1e-2, { reference: { ours: errors(2e-2), torch: errors(1e-2), kinks: exact } })),
    [],
  );
  // Or where flipping the ReLUs float32 cannot place moves the tensor that far.
  assert.deepEqual(
    parityFailures(result(1e-2, { reference: { ours: errors(2e-2), torch: exact, kinks: errors(1e-2) } })),
    [],
  );
  assert.match(
    parityFailures(result(1e-2, { reference: { ours: errors(5e-2), torch: errors(1e-2), kinks: errors(1e-3) } }))
      .join(),
    /against float64: ours 5\.00e-2, PyTorch's 1\.00e-2, kinks flipped 1\.00e-3/,
  );
});
