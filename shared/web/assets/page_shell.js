// Shared by every page: the header navigation (which spans both services, from
// /ui/config.json), small DOM helpers and the file-drop zone.

/** Builds the header: brand, links to every page this deployment has, the served model. */
export async function mountHeader(current) {
  const header = document.querySelector("header");
  const config = await (await fetch("/ui/config.json")).json();
  header.innerHTML = `<span class="brand">alexnet-edge</span><nav>${
    config.nav.map((p) => `<a href="${p.href}" class="${p.name === current ? "current" : ""}">${p.title}</a>`).join("")
  }</nav><span class="model" id="served-model"></span>`;
  return config;
}

/** Escapes text for HTML. */
export function esc(text) {
  return String(text).replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c],
  );
}

/** Reads a JSON response, turning a JSON error body into a thrown Error with its message. */
export async function jsonOrThrow(response) {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error?.message ?? `HTTP ${response.status}`);
  return body;
}

/** Makes `zone` accept a dropped or picked image file; calls `onFile(file)`. */
export function fileDropZone(zone, input, onFile) {
  zone.addEventListener("click", () => input.click());
  input.addEventListener("change", () => input.files[0] && onFile(input.files[0]));
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    const file = e.dataTransfer.files[0];
    if (file) onFile(file);
  });
}

/** Top-k bars with English and Chinese labels. */
export function predictionBars(predictions) {
  return `<ul class="bars">${
    predictions.map((p) =>
      `<li><span class="label">${esc(p.labels.en)}<span class="zh">${esc(p.labels.zh)}</span></span>` +
      `<span class="p">${(p.probability * 100).toFixed(1)}%</span>` +
      `<span class="track"><span class="fill" style="display:block;width:${
        (p.probability * 100).toFixed(1)
      }%"></span></span></li>`
    ).join("")
  }</ul>`;
}

/** A small multi-series line chart as SVG: series = [{label, colour, values, dashed}]. */
export function lineChart(title, series, { width = 420, height = 220, max } = {}) {
  const left = 40, right = 10, top = 24, bottom = 40;
  const n = Math.max(1, ...series.map((s) => s.values.length));
  const all = series.flatMap((s) => s.values.filter((v) => v != null));
  const hi = max ?? Math.max(1e-6, ...all) * 1.05;
  const x = (i) => left + (n === 1 ? (width - left - right) / 2 : (i * (width - left - right)) / (n - 1));
  const y = (v) => top + (1 - v / hi) * (height - top - bottom);
  const ticks = [0, 0.5, 1].map((f) =>
    `<line x1="${left}" x2="${width - right}" y1="${y(f * hi)}" y2="${y(f * hi)}" stroke="#eee"/>` +
    `<text x="${left - 4}" y="${y(f * hi) + 4}" text-anchor="end">${(f * hi).toFixed(2)}</text>`
  ).join("");
  const lines = series.map((s) => {
    const pts = s.values.map((v, i) => (v == null ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`)).filter(Boolean);
    return `<polyline fill="none" stroke="${s.colour}" stroke-width="2" ${
      s.dashed ? 'stroke-dasharray="5 3"' : ""
    } points="${pts.join(" ")}"/>` +
      pts.map((p) => `<circle cx="${p.split(",")[0]}" cy="${p.split(",")[1]}" r="2.5" fill="${s.colour}"/>`).join("");
  }).join("");
  const legend = series.map((s, i) =>
    `<line x1="${left + i * 110}" x2="${left + i * 110 + 18}" y1="${height - 10}" y2="${
      height - 10
    }" stroke="${s.colour}" stroke-width="2" ${s.dashed ? 'stroke-dasharray="5 3"' : ""}/>` +
    `<text x="${left + i * 110 + 22}" y="${height - 6}">${esc(s.label)}</text>`
  ).join("");
  return `<svg class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<text x="${left}" y="14" style="font-weight:600;fill:#1d2330">${esc(title)}</text>${ticks}${lines}` +
    `<text x="${width - right}" y="${height - 24}" text-anchor="end">epoch ${n}</text>${legend}</svg>`;
}
