import assert from "node:assert/strict";
import { transferReport } from "./experiment_transfer_main.ts";

Deno.test("the transfer report has one row per epoch and both final accuracies", () => {
  const epoch = (n: number, acc: number) => ({
    schema: "alexnet.train.epoch/v1" as const,
    runId: "r",
    epoch: n,
    trainLoss: 0.5,
    trainAccuracy: 0.7,
    valLoss: 0.6,
    valTop1: acc,
    valTop5: null,
    learningRate: 0.01,
    seconds: 1,
    imagesPerSec: 10,
  });
  const report = transferReport([epoch(1, 0.5), epoch(2, 0.6)], [epoch(1, 0.7), epoch(2, 0.8)], "x@v1", "cmd");
  assert.match(report, /\| 2 \| 0\.5000 \| 0\.6000 \| 60\.0% \| 0\.5000 \| 0\.6000 \| 80\.0% \|/);
  assert.match(report, /Final val top-1: scratch 60\.0%, pretrained 80\.0%\./);
  assert.match(report, /Pretrained side: x@v1\./);
});
