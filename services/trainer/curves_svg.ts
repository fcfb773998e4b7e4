/**
 * Draws training curves as a self-contained SVG: loss (train, val) on the left, accuracy
 * (train, val top-1) on the right, per epoch.
 *
 * @module
 */
import type { EpochMetrics } from "../../shared/bus/mod.ts";

/** One line of a chart. */
export interface Series {
  label: string;
  colour: string;
  dashed?: boolean;
  values: (number | null)[];
}

function panel(title: string, x0: number, series: Series[], yMax: number, epochs: number): string {
  const [w, h, left, top] = [380, 260, 50, 40];
  const px = (e: number) => x0 + left + (epochs <= 1 ? w / 2 : ((e - 1) / (epochs - 1)) * w);
  const py = (v: number) => top + h - (Math.min(v, yMax) / yMax) * h;
  const parts: string[] = [
    `<text x="${x0 + left + w / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${title}</text>`,
    `<rect x="${x0 + left}" y="${top}" width="${w}" height="${h}" fill="none" stroke="#999"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    parts.push(
      `<line x1="${x0 + left}" x2="${x0 + left + w}" y1="${py(v)}" y2="${py(v)}" stroke="#eee"/>`,
      `<text x="${x0 + left - 6}" y="${py(v) + 4}" text-anchor="end" font-size="11">${
        v.toFixed(yMax < 2 ? 2 : 1)
      }</text>`,
    );
  }
  const step = Math.max(1, Math.ceil(epochs / 10));
  for (let e = 1; e <= epochs; e += step) {
    parts.push(`<text x="${px(e)}" y="${top + h + 16}" text-anchor="middle" font-size="11">${e}</text>`);
  }
  parts.push(`<text x="${x0 + left + w / 2}" y="${top + h + 34}" text-anchor="middle" font-size="12">epoch</text>`);
  series.forEach((s, k) => {
    const points = s.values.flatMap((v, i) => (v === null ? [] : [`${px(i + 1).toFixed(1)},${py(v).toFixed(1)}`]));
    const dash = s.dashed ? ` stroke-dasharray="6 4"` : "";
    if (points.length > 1) {
      parts.push(`<polyline points="${points.join(" ")}" fill="none" stroke="${s.colour}" stroke-width="2"${dash}/>`);
    }
    for (const p of points) {
      const [cx, cy] = p.split(",");
      parts.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${s.colour}"/>`);
    }
    // Legends go under the plot, two per row, so they never cover a line.
    const ly = top + h + 52 + Math.floor(k / 2) * 16;
    const lx = x0 + left + (k % 2) * 190;
    parts.push(
      `<line x1="${lx}" x2="${lx + 20}" y1="${ly}" y2="${ly}" stroke="${s.colour}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 25}" y="${ly + 4}" font-size="11">${s.label}</text>`,
    );
  });
  return parts.join("\n");
}

/** A loss panel (left) and an accuracy panel (right) over `epochs` epochs, as one SVG. */
export function renderLossAccuracySvg(loss: Series[], accuracy: Series[], epochs: number, title: string): string {
  const finite = loss.flatMap((s) => s.values).filter((v): v is number => v !== null && Number.isFinite(v));
  const lossMax = Math.max(0.1, ...finite) * 1.1;
  const escaped = title.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  // Three legend rows fit above the title; each further row (two series each) adds 16 px.
  const rows = Math.ceil(Math.max(loss.length, accuracy.length) / 2);
  const height = 420 + 16 * Math.max(0, rows - 3);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="880" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="440" y="${height - 8}" text-anchor="middle" font-size="12" fill="#555">${escaped}</text>
${panel("loss", 0, loss, lossMax, Math.max(1, epochs))}
${panel("accuracy", 440, accuracy, 1, Math.max(1, epochs))}
</svg>
`;
}

/**
 * @example
 * ```ts
 * await Deno.writeTextFile("curves.svg", renderCurvesSvg(epochs, "cats-dogs"));
 * ```
 */
export function renderCurvesSvg(epochs: EpochMetrics[], title: string): string {
  return renderLossAccuracySvg(
    [
      { label: "train loss", colour: "#1f77b4", values: epochs.map((e) => e.trainLoss) },
      { label: "val loss", colour: "#d62728", dashed: true, values: epochs.map((e) => e.valLoss) },
    ],
    [
      { label: "train acc", colour: "#1f77b4", values: epochs.map((e) => e.trainAccuracy) },
      { label: "val top-1", colour: "#d62728", dashed: true, values: epochs.map((e) => e.valTop1) },
    ],
    epochs.length,
    title,
  );
}
