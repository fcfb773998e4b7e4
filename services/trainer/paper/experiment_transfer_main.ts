/**
 * `deno task experiment:transfer --data DIR --pretrained FILE.pth|CHECKPOINT --epochs N`: the classic
 * exercise — the same split, seed, augmentation and schedule trained twice, from scratch and
 * from a pretrained checkpoint (conv1–fc7 copied, fresh output layer; `--freeze features`
 * trains only the classifier) — with one chart of both runs, `report.md` and both runs'
 * metrics. Every other `deno task train` flag applies to both runs.
 *
 * @module
 */
import { describeBackendChoice, selectBackend } from "../../../shared/backend/mod.ts";
import type { EpochMetrics } from "../../../shared/bus/mod.ts";
import { loadPretrained } from "../../../shared/checkpoint/codec/mod.ts";
import { runCli, UsageError } from "../../../shared/cli/mod.ts";
import { svgToPng } from "../../../shared/image/mod.ts";
import { runTraining } from "../app.ts";
import type { TrainConfig } from "../train_config.ts";
import { renderLossAccuracySvg } from "../curves_svg.ts";
import { parseTrainArgs } from "../train_args.ts";

const pct = (x: number | null) => (x === null ? "–" : `${(x * 100).toFixed(1)}%`);

/** The per-epoch comparison table of `report.md`. */
export function transferReport(
  scratch: EpochMetrics[],
  pretrained: EpochMetrics[],
  pretrainedSide: string,
  command: string,
): string {
  const lines = [
    "# Pretrained vs from scratch",
    "",
    `Pretrained side: ${pretrainedSide}.`,
    "",
    `Command: \`${command}\``,
    "",
    "| epoch | scratch train loss | scratch val loss | scratch val top-1 | pretrained train loss | pretrained val loss | pretrained val top-1 |",
    "|---|---|---|---|---|---|---|",
  ];
  for (let i = 0; i < Math.max(scratch.length, pretrained.length); i++) {
    const a = scratch[i], b = pretrained[i];
    lines.push(
      `| ${i + 1} | ${a?.trainLoss.toFixed(4) ?? "–"} | ${a?.valLoss?.toFixed(4) ?? "–"} | ${
        pct(a?.valTop1 ?? null)
      } | ` +
        `${b?.trainLoss.toFixed(4) ?? "–"} | ${b?.valLoss?.toFixed(4) ?? "–"} | ${pct(b?.valTop1 ?? null)} |`,
    );
  }
  lines.push(
    "",
    `Final val top-1: scratch ${pct(scratch.at(-1)?.valTop1 ?? null)}, pretrained ${
      pct(pretrained.at(-1)?.valTop1 ?? null)
    }.`,
    "",
    "![training curves](transfer.png)",
    "",
  );
  return lines.join("\n");
}

async function main(args: string[]): Promise<number> {
  const parsed = parseTrainArgs(args);
  if (parsed === "help") {
    console.log(
      "Usage: deno task experiment:transfer --data DIR --pretrained FILE.pth|CHECKPOINT_DIR --epochs N [--freeze features]\n" +
        "       [--out DIR] [any deno task train flag, applied to both runs]",
    );
    return 0;
  }
  if (!parsed.pretrained) {
    throw new UsageError(
      "--pretrained is required: a torchvision AlexNet .pth or any checkpoint folder of this project",
    );
  }
  if (parsed.resume) throw new UsageError("--resume does not apply to an experiment");
  const log = (line: string) => console.error(line);
  log(describeBackendChoice(await selectBackend(parsed.backend)));
  const source = await loadPretrained(parsed.pretrained);
  const { manifest } = source;
  source.model.dispose();
  const pretrainedSide = `${manifest.name}@${manifest.version} (${manifest.arch}, width ${manifest.width}, ` +
    `classes ${manifest.classNames.slice(0, 5).join(", ")}${manifest.classNames.length > 5 ? ", …" : ""}; ` +
    `${parsed.freezeFeatures ? "conv layers frozen" : "all layers fine-tuned"}) from ${parsed.pretrained}`;
  const out = parsed.out ?? `runs/transfer-${new Date().toISOString().replace(/[-:.]/g, "").slice(0, 15)}`;
  // Both runs share the architecture of the pretrained side, and everything else.
  const common: TrainConfig = {
    ...parsed,
    arch: manifest.arch,
    groups: manifest.groups,
    width: manifest.width,
    nats: null,
  };
  const io = { log, stdout: (line: string) => console.log(line) };
  log(`== from scratch → ${out}/scratch`);
  const scratch = await runTraining({
    ...common,
    pretrained: null,
    freezeFeatures: false,
    out: `${out}/scratch`,
    name: `${parsed.name}-scratch`,
  }, io);
  log(`== from ${manifest.name}@${manifest.version} → ${out}/pretrained`);
  const pretrained = await runTraining({ ...common, out: `${out}/pretrained`, name: `${parsed.name}-pretrained` }, io);

  const svg = renderLossAccuracySvg(
    [
      { label: "scratch train", colour: "#1f77b4", values: scratch.epochs.map((e) => e.trainLoss) },
      { label: "scratch val", colour: "#1f77b4", dashed: true, values: scratch.epochs.map((e) => e.valLoss) },
      { label: "pretrained train", colour: "#d62728", values: pretrained.epochs.map((e) => e.trainLoss) },
      { label: "pretrained val", colour: "#d62728", dashed: true, values: pretrained.epochs.map((e) => e.valLoss) },
    ],
    [
      { label: "scratch val top-1", colour: "#1f77b4", values: scratch.epochs.map((e) => e.valTop1) },
      { label: "pretrained val top-1", colour: "#d62728", values: pretrained.epochs.map((e) => e.valTop1) },
    ],
    Math.max(scratch.epochs.length, pretrained.epochs.length),
    `pretrained (${manifest.name}) vs scratch`,
  );
  await Deno.writeTextFile(`${out}/transfer.svg`, svg);
  await Deno.writeFile(`${out}/transfer.png`, await svgToPng(svg));
  await Deno.writeTextFile(`${out}/scratch-metrics.json`, JSON.stringify(scratch.epochs, null, 2) + "\n");
  await Deno.writeTextFile(`${out}/pretrained-metrics.json`, JSON.stringify(pretrained.epochs, null, 2) + "\n");
  await Deno.writeTextFile(
    `${out}/report.md`,
    transferReport(
      scratch.epochs,
      pretrained.epochs,
      pretrainedSide,
      `deno task experiment:transfer ${args.join(" ")}`,
    ),
  );
  console.log(
    `final val top-1: scratch ${pct(scratch.epochs.at(-1)?.valTop1 ?? null)}, pretrained ` +
      `${pct(pretrained.epochs.at(-1)?.valTop1 ?? null)}; ${out}/transfer.svg, ${out}/report.md`,
  );
  return 0;
}

if (import.meta.main) await runCli(() => main(Deno.args));
