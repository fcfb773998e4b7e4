import assert from "node:assert/strict";
import { UsageError } from "../../../shared/cli/mod.ts";
import { splitExperimentArgs } from "./experiment_transfer_main.ts";
import { type Contender, meanCurve, transferReport, transferSvg } from "./transfer_report.ts";

const point = (top1: number, valLoss = 0.6) => ({ trainLoss: 0.5, valLoss, valTop1: top1 });

Deno.test("the transfer report has one row per epoch and both final accuracies", () => {
  const contenders: Contender[] = [
    { engine: "ours", side: "scratch", colour: "#000", runs: [[point(0.5), point(0.6)]] },
    { engine: "ours", side: "pretrained", colour: "#111", runs: [[point(0.7), point(0.8)]] },
  ];
  const report = transferReport(contenders, "x@v1", "cmd");
  assert.match(report, /\| 2 \| 60\.0% · 0\.6000 · 0\.5000 \| 80\.0% · 0\.6000 · 0\.5000 \|/);
  assert.match(report, /- ours scratch: 60\.0%\n- ours pretrained: 80\.0%/);
  assert.match(report, /Pretrained side: x@v1\./);
  assert.doesNotMatch(report, /ours − PyTorch/);
  const uneven = transferReport([{ ...contenders[0], runs: [[point(0.5)], [point(0.7)]] }, contenders[1]], "x", "c");
  assert.match(uneven, /the mean of the seeds each ran \(ours scratch 2, ours pretrained 1\)/);
});

Deno.test("with PyTorch beside ours, the report averages the seeds and gives each side's gap", () => {
  const contenders: Contender[] = [
    { engine: "ours", side: "scratch", colour: "#000", runs: [[point(0.5), point(0.70)], [point(0.5), point(0.74)]] },
    {
      engine: "PyTorch",
      side: "scratch",
      colour: "#111",
      runs: [[point(0.5), point(0.66)], [point(0.5), point(0.70)]],
    },
    { engine: "ours", side: "pretrained", colour: "#222", runs: [[point(0.9), point(0.9)], [point(0.9), point(0.9)]] },
    {
      engine: "PyTorch",
      side: "pretrained",
      colour: "#333",
      runs: [[point(0.9), point(0.91)], [point(0.9), point(0.91)]],
    },
  ];
  const report = transferReport(contenders, "x@v1", "cmd");
  assert.match(report, /the mean of 2 seeds/);
  assert.match(report, /- ours scratch: 72\.0% \(seeds: 70\.0%, 74\.0%\)/);
  assert.match(report, /- scratch: ours − PyTorch = \+4\.0 points \(outside 3 points\)/);
  assert.match(report, /- pretrained: ours − PyTorch = -1\.0 points \(within 3 points\)/);
  const svg = transferSvg(contenders, "t");
  assert.match(svg, /height="436"/, "four legend rows under the loss panel: 16 px more than three");
  for (const label of ["ours scratch val", "PyTorch pretrained val top-1"]) assert.ok(svg.includes(label), label);
});

Deno.test("the mean curve skips epochs a seed has no value for", () => {
  assert.deepEqual(meanCurve([[point(0.5, 1)], [{ trainLoss: 1, valLoss: null, valTop1: null }]], "valLoss"), [1]);
  assert.deepEqual(meanCurve([[point(0.5)], [point(0.7), point(0.9)]], "valTop1"), [0.6, 0.9]);
});

Deno.test("the experiment's own flags come out of the train flags, checked", () => {
  const split = splitExperimentArgs(["--data", "d", "--peer", "torch", "--seeds=3", "--epochs", "2"]);
  assert.deepEqual([split.peer, split.seeds, split.trainArgs], ["torch", 3, ["--data", "d", "--epochs", "2"]]);
  assert.equal(splitExperimentArgs(["--data", "d"]).peer, null);
  assert.deepEqual(splitExperimentArgs(["--report-only", "--out", "x"]).trainArgs, ["--out", "x"]);
  assert.equal(splitExperimentArgs(["--report-only"]).reportOnly, true);
  assert.throws(() => splitExperimentArgs(["--peer", "jax"]), UsageError);
  assert.throws(() => splitExperimentArgs(["--seeds", "0"]), UsageError);
  assert.throws(() => splitExperimentArgs(["--seeds"]), UsageError);
});
