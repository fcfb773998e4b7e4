/**
 * `deno task experiment:transfer --data DIR --pretrained FILE.pth|CHECKPOINT --epochs N`: the classic
 * exercise — the same split, seed, augmentation and schedule trained twice, from scratch and
 * from a pretrained checkpoint (conv1–fc7 copied, fresh output layer; `--freeze features`
 * trains only the classifier) — with one chart of both runs, `report.md` and both runs'
 * metrics. Every other `deno task train` flag applies to both runs.
 *
 * `--peer torch` trains each side in PyTorch too (`torch_peer_run.ts`), from the same starting
 * weights on the same split with the same recipe; `--seeds N` repeats everything for seeds
 * `--seed` … `--seed`+N−1 and reports the means. The runs go one after another (each uses every
 * core), each into `OUT/SIDE-seedN/`; `--report-only` rebuilds the report from the runs there.
 *
 * @module
 */
import { z } from "zod";
import { describeBackendChoice, selectBackend } from "../../../shared/backend/mod.ts";
import { EpochMetricsSchema } from "../../../shared/bus/mod.ts";
import type { CheckpointManifest } from "../../../shared/checkpoint/mod.ts";
import { loadPretrained } from "../../../shared/codec/mod.ts";
import { runCli, UsageError } from "../../../shared/cli/mod.ts";
import { svgToPng } from "../../../shared/image/mod.ts";
import { prepareRun, runTraining } from "../app.ts";
import type { TrainConfig, TrainIo } from "../train_config.ts";
import { parseTrainArgs } from "../train_args.ts";
import { requireTorch } from "../weights/require_torch.ts";
import { PeerEpochSchema, trainPeer, writePeerRun } from "./torch_peer_run.ts";
import { type Contender, type EpochPoint, transferReport, transferSvg } from "./transfer_report.ts";

/** The experiment's own flags, taken out of the arguments; the rest are `deno task train`'s. */
export function splitExperimentArgs(args: string[]): {
  peer: "torch" | null;
  seeds: number;
  python: string;
  reportOnly: boolean;
  trainArgs: string[];
} {
  const own: Record<string, string> = {};
  const trainArgs: string[] = [];
  let reportOnly = false;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    if (flag === "--report-only" && inline === undefined) {
      reportOnly = true;
      continue;
    }
    if (!["--peer", "--seeds", "--python"].includes(flag)) {
      trainArgs.push(args[i]);
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    own[flag.slice(2)] = value;
  }
  if (own.peer !== undefined && own.peer !== "torch") {
    throw new UsageError(`--peer takes "torch", got "${own.peer}"`);
  }
  const seeds = Number(own.seeds ?? "1");
  if (!Number.isInteger(seeds) || seeds < 1) {
    throw new UsageError(`--seeds must be a positive integer, got "${own.seeds}"`);
  }
  return {
    peer: own.peer === "torch" ? "torch" : null,
    seeds,
    python: own.python ?? Deno.env.get("PYTHON") ?? "/usr/bin/python3",
    reportOnly,
    trainArgs,
  };
}

const COLOURS = {
  ours: { scratch: "#1f77b4", pretrained: "#d62728" },
  PyTorch: { scratch: "#ff7f0e", pretrained: "#2ca02c" },
};

/**
 * `--report-only`: every finished run under `out` (`SIDE-seedN/metrics.jsonl`, and PyTorch's
 * `SIDE-seedN/torch/metrics.json`) into `contenders` — to report an interrupted experiment, or
 * seeds run by separate commands into the same folder.
 */
async function readRuns(out: string, contenders: Contender[]): Promise<void> {
  const folders = [];
  for await (const entry of Deno.readDir(out)) {
    const match = /^(scratch|pretrained)-seed(\d+)$/.exec(entry.name);
    if (entry.isDirectory && match) folders.push({ name: entry.name, side: match[1], seed: Number(match[2]) });
  }
  folders.sort((a, b) => a.seed - b.seed);
  const read = (path: string) => Deno.readTextFile(path).catch(() => null);
  for (const { name, side } of folders) {
    const ours = await read(`${out}/${name}/metrics.jsonl`);
    const theirs = await read(`${out}/${name}/torch/metrics.json`);
    for (const c of contenders.filter((c) => c.side === side)) {
      if (c.engine === "ours" && ours) {
        c.runs.push(ours.trim().split("\n").map((line) => EpochMetricsSchema.parse(JSON.parse(line))));
      }
      if (c.engine === "PyTorch" && theirs) c.runs.push(z.array(PeerEpochSchema).parse(JSON.parse(theirs)));
    }
  }
  if (contenders.every((c) => c.runs.length === 0)) {
    throw new UsageError(`--report-only: no finished runs (SIDE-seedN/metrics.jsonl) under ${out}`);
  }
}

/** One side's run for one seed: ours, then (given a Python) PyTorch's from the same prepared start. */
async function runSide(
  config: TrainConfig,
  python: string | null,
  io: TrainIo,
): Promise<{ ours: EpochPoint[]; PyTorch?: EpochPoint[] }> {
  const prepared = await prepareRun(config, io);
  const peerDir = `${config.out}/torch/data`;
  try {
    if (python) await writePeerRun(prepared, config, peerDir);
  } catch (error) {
    prepared.model.dispose();
    throw error;
  }
  const ours = (await runTraining(config, io, prepared)).epochs;
  if (!python) return { ours };
  io.log(`== PyTorch → ${config.out}/torch`);
  const theirs = await trainPeer(python, peerDir, (e) =>
    io.log(
      `PyTorch epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(4)}, val loss ${e.valLoss.toFixed(4)}, ` +
        `val top-1 ${(e.valTop1 * 100).toFixed(1)}% (${e.seconds.toFixed(0)} s)`,
    ));
  await Deno.remove(peerDir, { recursive: true });
  await Deno.writeTextFile(`${config.out}/torch/metrics.json`, JSON.stringify(theirs, null, 2) + "\n");
  return { ours, PyTorch: theirs };
}

const USAGE =
  "Usage: deno task experiment:transfer --data DIR --pretrained FILE.pth|CHECKPOINT_DIR --epochs N [--freeze features]\n" +
  "       [--peer torch] [--seeds N] [--python /usr/bin/python3] [--out DIR] [--report-only]\n" +
  "       [any deno task train flag, applied to every run]";

/** Refuses train flags that make no sense for an experiment. */
function checkExperiment(
  parsed: TrainConfig,
  reportOnly: boolean,
): asserts parsed is TrainConfig & { pretrained: string } {
  if (!parsed.pretrained) {
    throw new UsageError(
      "--pretrained is required: a torchvision AlexNet .pth or any checkpoint folder of this project",
    );
  }
  if (parsed.resume) throw new UsageError("--resume does not apply to an experiment");
  if (reportOnly && !parsed.out) throw new UsageError("--report-only needs --out DIR, the experiment's folder");
}

/** What the pretrained side is, for the report. */
function describePretrained(manifest: CheckpointManifest, parsed: TrainConfig): string {
  const classes = `${manifest.classNames.slice(0, 5).join(", ")}${manifest.classNames.length > 5 ? ", …" : ""}`;
  return `${manifest.name}@${manifest.version} (${manifest.arch}, width ${manifest.width}, classes ${classes}; ` +
    `${parsed.freezeFeatures ? "conv layers frozen" : "all layers fine-tuned"}) from ${parsed.pretrained}`;
}

/** Both sides, seed after seed, each run into `out/SIDE-seedN` (ours, and PyTorch's when `python` is set). */
async function runSeeds(
  parsed: TrainConfig,
  manifest: CheckpointManifest,
  run: { out: string; seeds: number; python: string | null; io: TrainIo },
  contenders: Contender[],
): Promise<void> {
  for (let k = 0; k < run.seeds; k++) {
    for (const side of ["scratch", "pretrained"] as const) {
      const seed = parsed.seed + k;
      // Both sides share the architecture of the pretrained side, and everything else.
      const config: TrainConfig = {
        ...parsed,
        seed,
        arch: manifest.arch,
        groups: manifest.groups,
        width: manifest.width,
        nats: null,
        ...(side === "scratch" ? { pretrained: null, freezeFeatures: false } : {}),
        out: `${run.out}/${side}-seed${seed}`,
        name: `${parsed.name}-${side}`,
      };
      run.io.log(`== ${side}, seed ${seed} → ${config.out}`);
      const runs = await runSide(config, run.python, run.io);
      for (const c of contenders.filter((c) => c.side === side)) c.runs.push(runs[c.engine]!);
    }
  }
}

/** The chart (SVG and PNG) and the per-epoch report, written to `out`; the final accuracies printed. */
async function writeReport(
  out: string,
  contenders: Contender[],
  title: string,
  pretrainedSide: string,
  command: string,
) {
  const svg = transferSvg(contenders, title);
  await Deno.writeTextFile(`${out}/transfer.svg`, svg);
  await Deno.writeFile(`${out}/transfer.png`, await svgToPng(svg));
  const report = transferReport(contenders, pretrainedSide, command);
  await Deno.writeTextFile(`${out}/report.md`, report);
  console.log(report.slice(report.indexOf("Final val top-1:")).replace(/\n!\[.*$/s, "").trim());
  console.log(`${out}/transfer.svg, ${out}/report.md`);
}

async function main(args: string[]): Promise<number> {
  const experiment = splitExperimentArgs(args);
  const parsed = parseTrainArgs(experiment.trainArgs);
  if (parsed === "help") {
    console.log(USAGE);
    return 0;
  }
  checkExperiment(parsed, experiment.reportOnly);
  if (experiment.peer) await requireTorch(experiment.python);
  const log = (line: string) => console.error(line);
  log(describeBackendChoice(await selectBackend(parsed.backend)));
  const source = await loadPretrained(parsed.pretrained);
  const { manifest } = source;
  source.model.dispose();
  const out = parsed.out ?? `runs/transfer-${new Date().toISOString().replace(/[-:.]/g, "").slice(0, 15)}`;
  const engines = experiment.peer ? (["ours", "PyTorch"] as const) : (["ours"] as const);
  const contenders: Contender[] = (["scratch", "pretrained"] as const).flatMap((side) =>
    engines.map((engine) => ({ engine, side, colour: COLOURS[engine][side], runs: [] as EpochPoint[][] }))
  );
  if (experiment.reportOnly) await readRuns(out, contenders);
  else {
    const io = { log, stdout: (line: string) => console.log(line) };
    const python = experiment.peer ? experiment.python : null;
    await runSeeds(parsed, manifest, { out, seeds: experiment.seeds, python, io }, contenders);
  }
  const title = `pretrained (${manifest.name}) vs scratch${experiment.peer ? ", ours vs PyTorch" : ""}`;
  const command = `deno task experiment:transfer ${args.join(" ")}`;
  await writeReport(out, contenders, title, describePretrained(manifest, parsed), command);
  return 0;
}

if (import.meta.main) await runCli(() => main(Deno.args));
