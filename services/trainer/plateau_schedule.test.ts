import assert from "node:assert/strict";
import { PlateauSchedule } from "./plateau_schedule.ts";

Deno.test("the learning rate drops tenfold after `patience` epochs without a better validation loss", () => {
  const schedule = new PlateauSchedule(0.01, 2);
  const rates = [0.9, 0.8, 0.85, 0.8, 0.7, 0.7, 0.7, 0.71, 0.6].map((loss) => schedule.observe(loss));
  // improve, improve, stale 1, stale 2 → ÷10, improve, stale 1, stale 2 → ÷10, stale 1, improve
  assert.deepEqual(rates.map((r) => Number(r.toPrecision(6))), [
    0.01,
    0.01,
    0.01,
    0.001,
    0.001,
    0.001,
    0.0001,
    0.0001,
    0.0001,
  ]);
  assert.equal(schedule.learningRate, rates.at(-1));
});

Deno.test("an improvement smaller than 1e-4 does not count as one", () => {
  const schedule = new PlateauSchedule(1, 1);
  schedule.observe(0.5);
  assert.equal(schedule.observe(0.49995), 0.1);
});
