/**
 * The report of `experiment:transfer`: per-epoch curves of each contender — ours and, with
 * `--peer torch`, PyTorch's, each from scratch and from the pretrained start — averaged over the
 * seeds, as one chart (`transfer.svg`) and a table per epoch (`report.md`), with the final
 * validation accuracies and, where both engines ran a side, how far ours is from PyTorch's.
 *
 * @module
 */
import { renderLossAccuracySvg, type Series } from "../curves_svg.ts";

/** One epoch of one run, ours or PyTorch's. */
export interface EpochPoint {
  trainLoss: number;
  valLoss: number | null;
  valTop1: number | null;
}

/** One line of the comparison: an engine on a side, with one run per seed. */
export interface Contender {
  engine: "ours" | "PyTorch";
  side: "scratch" | "pretrained";
  colour: string;
  runs: EpochPoint[][];
}

const label = (c: Contender) => `${c.engine} ${c.side}`;
const pct = (x: number | null) => (x === null ? "–" : `${(x * 100).toFixed(1)}%`);

/** The mean over seeds of one measure, per epoch (null where no seed has it). */
export function meanCurve(runs: EpochPoint[][], key: keyof EpochPoint): (number | null)[] {
  const epochs = Math.max(0, ...runs.map((r) => r.length));
  return Array.from({ length: epochs }, (_, e) => {
    const values = runs.map((r) => r[e]?.[key]).filter((v): v is number => typeof v === "number");
    return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
  });
}

/** The final validation top-1 of each seed's run. */
const finals = (c: Contender) => c.runs.map((r) => r.at(-1)?.valTop1).filter((v): v is number => typeof v === "number");
const mean = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);

/** `report.md`: what ran, a table per epoch (means over seeds), the final accuracies and the gaps. */
export function transferReport(contenders: Contender[], pretrainedSide: string, command: string): string {
  const counts = [...new Set(contenders.map((c) => c.runs.length))];
  const seeds = counts.length === 1
    ? (counts[0] > 1 ? `, the mean of ${counts[0]} seeds` : "")
    : `, the mean of the seeds each ran (${contenders.map((c) => `${label(c)} ${c.runs.length}`).join(", ")})`;
  const curves = contenders.map((c) => ({
    train: meanCurve(c.runs, "trainLoss"),
    val: meanCurve(c.runs, "valLoss"),
    top1: meanCurve(c.runs, "valTop1"),
  }));
  const epochs = Math.max(...curves.map((c) => c.train.length));
  const loss = (x: number | null | undefined) => (x == null ? "–" : x.toFixed(4));
  const lines = [
    "# Pretrained vs from scratch" + (contenders.some((c) => c.engine === "PyTorch") ? ", ours vs PyTorch" : ""),
    "",
    `Pretrained side: ${pretrainedSide}.`,
    "",
    `Command: \`${command}\``,
    "",
    `Each cell: validation top-1 · validation loss · training loss${seeds}.`,
    "",
    `| epoch | ${contenders.map(label).join(" | ")} |`,
    `|---|${contenders.map(() => "---").join("|")}|`,
  ];
  for (let e = 0; e < epochs; e++) {
    const cells = curves.map((c) => `${pct(c.top1[e] ?? null)} · ${loss(c.val[e])} · ${loss(c.train[e])}`);
    lines.push(`| ${e + 1} | ${cells.join(" | ")} |`);
  }
  lines.push("", "Final val top-1:");
  for (const c of contenders) {
    const f = finals(c);
    const spread = f.length > 1 ? ` (seeds: ${f.map(pct).join(", ")})` : "";
    lines.push(`- ${label(c)}: ${pct(mean(f))}${spread}`);
  }
  for (const side of ["scratch", "pretrained"] as const) {
    const ours = contenders.find((c) => c.side === side && c.engine === "ours");
    const torch = contenders.find((c) => c.side === side && c.engine === "PyTorch");
    const a = ours && mean(finals(ours)), b = torch && mean(finals(torch));
    if (a == null || b == null) continue;
    const gap = (a - b) * 100;
    lines.push(
      `- ${side}: ours − PyTorch = ${gap >= 0 ? "+" : ""}${gap.toFixed(1)} points ` +
        `(${Math.abs(gap) <= 3 ? "within" : "outside"} 3 points)`,
    );
  }
  lines.push("", "![training curves](transfer.png)", "");
  return lines.join("\n");
}

/** `transfer.svg`: every contender's train (solid) and val (dashed) loss, and val top-1, means over seeds. */
export function transferSvg(contenders: Contender[], title: string): string {
  const loss: Series[] = contenders.flatMap((c) => [
    { label: `${label(c)} train`, colour: c.colour, values: meanCurve(c.runs, "trainLoss") },
    { label: `${label(c)} val`, colour: c.colour, dashed: true, values: meanCurve(c.runs, "valLoss") },
  ]);
  const top1: Series[] = contenders.map((c) => ({
    label: `${label(c)} val top-1`,
    colour: c.colour,
    values: meanCurve(c.runs, "valTop1"),
  }));
  const epochs = Math.max(...contenders.flatMap((c) => c.runs.map((r) => r.length)));
  return renderLossAccuracySvg(loss, top1, epochs, title);
}
