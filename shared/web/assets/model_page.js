import { esc, jsonOrThrow, mountHeader } from "./page_shell.js";

await mountHeader("model");
const facts = document.getElementById("facts");
try {
  const m = await jsonOrThrow(await fetch("/v1/model/info"));
  document.getElementById("served-model").textContent = `serving ${m.name}@${m.version}`;
  const rows = [
    ["name", m.name],
    ["version", m.version],
    ["architecture", `${m.arch}${m.width !== 1 ? ` (width ×${m.width})` : ""}`],
    ["input", `${m.inputSize}×${m.inputSize} (resize ${m.resizeSize})`],
    [
      "classes",
      `${m.labels.length}: ${m.labels.slice(0, 6).map((l) => l.en).join(", ")}${m.labels.length > 6 ? ", …" : ""}`,
    ],
    ["val top-1", m.metrics?.valTop1 != null ? `${(m.metrics.valTop1 * 100).toFixed(1)}%` : "–"],
    ["loaded", new Date(m.loadedAt).toLocaleString()],
  ];
  facts.innerHTML = `<tbody>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join("")}</tbody>`;
  const img = document.getElementById("kernels");
  img.onload = () => {
    document.getElementById("kernel-note").textContent =
      `${img.naturalWidth}×${img.naturalHeight} px, rendered by the service from the weights it serves`;
  };
  img.src = `/v1/model/conv1.png?v=${encodeURIComponent(m.version)}`;
  img.hidden = false;
} catch (error) {
  facts.innerHTML = `<tbody><tr><td class="error">${esc(error.message)}</td></tr></tbody>`;
}
