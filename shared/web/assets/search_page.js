import { esc, fileDropZone, jsonOrThrow, mountHeader } from "./page_shell.js";

await mountHeader("search");
const statusLine = document.getElementById("status");
const served = document.getElementById("served-model");
const status = await fetch("/v1/status").then((r) => r.json()).catch(() => null);
if (status) {
  const model = status.model ? `${status.model.name}@${status.model.version}` : "no model yet";
  served.textContent = `indexing with ${model}`;
  statusLine.textContent = `${status.images} images in the catalog`;
}

const hits = document.getElementById("hits");
const meta = document.getElementById("search-meta");
const query = document.getElementById("query");

async function show(request, queryUrl) {
  query.src = queryUrl;
  query.hidden = false;
  hits.innerHTML = '<p class="meta">Searching…</p>';
  try {
    const body = await jsonOrThrow(await fetch("/v1/search?k=12", request));
    meta.textContent = `${body.model.name}@${body.model.version}, ${body.model.layer}, ${
      body.timings.total.toFixed(1)
    } ms`;
    hits.innerHTML = body.results.length === 0 ? '<p class="meta">The catalog is empty.</p>' : body.results.map((h) => {
      const name = h.metadata.name ?? h.metadata.label ?? h.id.slice(0, 12);
      return `<div class="hit" data-id="${esc(h.id)}" title="${esc(JSON.stringify(h.metadata))}">` +
        `<img src="${esc(h.thumbnailUrl)}" alt="${esc(name)}"><div class="score">${h.score.toFixed(3)}</div>` +
        `<div class="name">${esc(h.metadata.label ?? "")} ${esc(h.metadata.name ?? "")}</div></div>`;
    }).join("");
  } catch (error) {
    hits.innerHTML = `<p class="error">${esc(error.message)}</p>`;
  }
}

fileDropZone(
  document.getElementById("drop"),
  document.getElementById("file"),
  (file) => show({ method: "POST", body: file, headers: { "content-type": file.type } }, URL.createObjectURL(file)),
);

hits.addEventListener("click", (event) => {
  const hit = event.target.closest(".hit");
  if (!hit) return;
  const id = hit.dataset.id;
  show(
    { method: "POST", body: JSON.stringify({ id, k: 12 }), headers: { "content-type": "application/json" } },
    `/v1/images/${encodeURIComponent(id)}`,
  );
});
