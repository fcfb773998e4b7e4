import assert from "node:assert/strict";
import { selectBackend } from "../../../shared/backend/mod.ts";
import { prepareRun } from "../app.ts";
import { evaluateSplit } from "../evaluate_split.ts";
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from "../train_config.ts";
import { type PeerEpoch, trainPeer, writePeerRun } from "./torch_peer_run.ts";
import { writeCheckpointDir } from "../../../shared/checkpoint/mod.ts";
import { taskArgs, taskFor } from "../../../shared/cli/mod.ts";
import { tinyCheckpoint } from "../../../tests/fixtures/tiny_checkpoint.ts";
import { writeShapeFolder } from "../../../tests/fixtures/shape_folder.ts";

await selectBackend("wasm");
const python = Deno.env.get("PYTHON") ?? "/usr/bin/python3";

/** A small run on generated shapes (quarter width, 63 px): 4 classes, 24 images each. */
const config = (overrides: Partial<TrainConfig>): TrainConfig => ({
  ...DEFAULT_TRAIN_CONFIG,
  width: 0.25,
  inputSize: 63,
  limit: 24,
  batchSize: 16,
  quiet: true,
  ...overrides,
});

Deno.test("PyTorch's run starts from our weights on our split: at learning rate 0 its validation equals ours", async () => {
  const dir = await Deno.makeTempDir({ prefix: "peer-" });
  const run = config({ lr: 0, epochs: 1, arch: "alexnet", groups: 2 });
  const prepared = await prepareRun(run, { log: () => {} });
  try {
    await writePeerRun(prepared, run, dir);
    const ours = await evaluateSplit(prepared.model, prepared.data.val, run.batchSize);
    const [theirs] = await trainPeer(python, dir);
    assert.ok(Math.abs(theirs.valLoss - ours.loss) <= 1e-5 * ours.loss, `val loss ${theirs.valLoss} vs ${ours.loss}`);
    assert.equal(theirs.valTop1, ours.top1);
    assert.ok(theirs.trainLoss > 0.5, `a real training loss: ${theirs.trainLoss}`);
  } finally {
    prepared.model.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PyTorch's run learns the shapes with the trainer's recipe and reports each epoch", async () => {
  const dir = await Deno.makeTempDir({ prefix: "peer-" });
  const run = config({ lr: 0.005, epochs: 6, patience: 3 });
  const prepared = await prepareRun(run, { log: () => {} });
  try {
    await writePeerRun(prepared, run, dir);
    const heard: number[] = [];
    const epochs = await trainPeer(python, dir, (e) => heard.push(e.epoch));
    assert.deepEqual(heard, [1, 2, 3, 4, 5, 6]);
    assert.ok(epochs.at(-1)!.trainLoss < epochs[0].trainLoss, JSON.stringify(epochs));
    assert.ok(Math.max(...epochs.map((e) => e.valTop1)) > 0.5, `chance is 0.25: ${JSON.stringify(epochs)}`);
  } finally {
    prepared.model.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a PyTorch run that fails says so", async () => {
  const dir = await Deno.makeTempDir({ prefix: "peer-" });
  try {
    await assert.rejects(trainPeer(python, dir), /PyTorch's run failed \(exit 1/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("experiment:transfer --peer torch trains ours and PyTorch's from each start, over seeds, in one report", async () => {
  const work = await Deno.makeTempDir({ prefix: "peer-cli-" });
  const data = await writeShapeFolder(6);
  try {
    await writeCheckpointDir(`${work}/pretrained`, await tinyCheckpoint("shapes", "v1"));
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        ...taskArgs(taskFor("services/trainer/paper/experiment_transfer_main.ts"), [`--allow-write=${work}`]),
        ...["--data", data, "--pretrained", `${work}/pretrained`, "--epochs", "2", "--input-size", "63"],
        ...[
          "--batch-size",
          "8",
          "--backend",
          "wasm",
          "--quiet",
          "--peer",
          "torch",
          "--seeds",
          "2",
          "--out",
          `${work}/x`,
        ],
      ],
      env: { NO_COLOR: "1" },
    }).output();
    const err = new TextDecoder().decode(stderr);
    assert.equal(code, 0, err);
    const report = await Deno.readTextFile(`${work}/x/report.md`);
    assert.match(report, /\| epoch \| ours scratch \| PyTorch scratch \| ours pretrained \| PyTorch pretrained \|/);
    assert.match(report, /\| 2 \| \d+\.\d% · /);
    assert.match(report, /the mean of 2 seeds/);
    assert.match(report, /- scratch: ours − PyTorch = [+-]\d+\.\d points/);
    assert.match(new TextDecoder().decode(stdout), /- pretrained: ours − PyTorch/);
    for (const run of ["scratch-seed1", "scratch-seed2", "pretrained-seed1", "pretrained-seed2"]) {
      const theirs = JSON.parse(await Deno.readTextFile(`${work}/x/${run}/torch/metrics.json`));
      assert.deepEqual(theirs.map((e: PeerEpoch) => e.epoch), [1, 2], run);
      assert.ok((await Deno.stat(`${work}/x/${run}/metrics.jsonl`)).isFile, run);
    }
    assert.ok((await Deno.stat(`${work}/x/transfer.png`)).size > 0);
    // The report again from the runs on disk, as after an interrupted experiment.
    await Deno.remove(`${work}/x/report.md`);
    const again = await new Deno.Command(Deno.execPath(), {
      args: [
        ...taskArgs(taskFor("services/trainer/paper/experiment_transfer_main.ts"), [`--allow-write=${work}`]),
        ...["--pretrained", `${work}/pretrained`, "--peer", "torch", "--out", `${work}/x`, "--report-only"],
      ],
      env: { NO_COLOR: "1" },
    }).output();
    assert.equal(again.code, 0, new TextDecoder().decode(again.stderr));
    const rebuilt = await Deno.readTextFile(`${work}/x/report.md`);
    const table = (text: string) => text.slice(text.indexOf("| epoch |"));
    assert.equal(table(rebuilt), table(report));
  } finally {
    await Deno.remove(work, { recursive: true });
    await Deno.remove(data, { recursive: true });
  }
});
