import assert from "node:assert/strict";
import { selectBackend } from "../../../shared/backend/mod.ts";
import { parityFailures, TRAIN_PARITY_TOLERANCE, trainParity, worstTrainError } from "./train_parity.ts";

// The small case of `verify:torch --train`: quarter-width networks, three steps of SGD against PyTorch's
// (Debian's python3-torch, which the test task installs), on each CPU backend; the paper's network with its LRN,
// two towers and ceil pooling.
for (const backend of ["wasm", "native"] as const) {
  for (const arch of ["alexnet-owt", "alexnet"] as const) {
    Deno.test(`three SGD steps of ${arch} on ${backend} move every weight as PyTorch's do (losses, weights, updates within 1e-3)`, async () => {
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
        });
        assert.equal(result.losses.ours.length, 3);
        assert.ok(result.losses.ours[0] > 0.5, `a real loss, not a stub: ${result.losses.ours[0]}`);
        // Uncalibrated, so held to 1e-3 everywhere.
        assert.deepEqual(parityFailures(result), []);
        const worst = worstTrainError(result);
        assert.ok(worst <= TRAIN_PARITY_TOLERANCE, `worst relative error ${worst}: ${JSON.stringify(result)}`);
      } finally {
        await selectBackend("wasm");
        await Deno.remove(dir, { recursive: true });
      }
    });
  }
}
