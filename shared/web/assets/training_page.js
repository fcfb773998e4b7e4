import { esc, jsonOrThrow, lineChart, mountHeader } from "./page_shell.js";

await mountHeader("training");
const runsBox = document.getElementById("runs");
const live = document.getElementById("live");
const action = document.getElementById("action");
/** runId → { status, name, epochs: [], progress } */
const runs = new Map();

function run(runId) {
  if (!runs.has(runId)) runs.set(runId, { runId, status: null, name: "", epochs: [], progress: null });
  return runs.get(runId);
}

const pct = (v) => (v == null ? "–" : `${(v * 100).toFixed(1)}%`);

function renderRuns() {
  if (runs.size === 0) return;
  runsBox.innerHTML = [...runs.values()].reverse().map((r) => {
    const e = r.epochs;
    const p = r.progress;
    const state = r.status?.state ?? (e.length ? "running" : "queued");
    const progress = p && state === "running"
      ? `epoch ${p.epoch}: ${p.seen}/${p.total} images, ${p.imagesPerSec.toFixed(1)} images/s, loss ${
        p.loss.toFixed(3)
      }`
      : esc(r.status?.message ?? "");
    return `<div class="run" data-run="${esc(r.runId)}"><p><b>${esc(r.name || r.status?.name || "")}</b> ` +
      `<code>${esc(r.runId)}</code> <span class="pill ${state}">${state}</span>` +
      `${r.status?.worker ? ` <span class="meta">on ${esc(r.status.worker)}</span>` : ""} ` +
      `<span class="meta">${progress}</span></p>` +
      (e.length
        ? `<div class="row">${
          lineChart("loss", [
            { label: "train", colour: "#2f6fde", values: e.map((m) => m.trainLoss) },
            { label: "val", colour: "#2f6fde", dashed: true, values: e.map((m) => m.valLoss) },
          ])
        }${
          lineChart("accuracy", [
            { label: "train", colour: "#d92d20", values: e.map((m) => m.trainAccuracy) },
            { label: "val top-1", colour: "#d92d20", dashed: true, values: e.map((m) => m.valTop1) },
          ], { max: 1 })
        }</div><p class="meta">epoch ${e.at(-1).epoch}: val top-1 ${pct(e.at(-1).valTop1)}, lr ${
          e.at(-1).learningRate
        }</p>`
        : "") +
      "</div>";
  }).join("");
}

async function renderCheckpoints() {
  const body = await fetch("/v1/checkpoints").then((r) => r.json());
  document.getElementById("pin").textContent = body.name
    ? `${body.name}: serving ${body.serving ?? "nothing yet"}${
      body.pinned ? ` (pinned to ${body.pinned})` : " (newest)"
    }`
    : "";
  document.getElementById("rollback").disabled = !body.managed;
  document.getElementById("checkpoints").innerHTML = [...body.checkpoints].reverse().map((c) => {
    const m = c.metrics ?? {};
    return `<tr class="${c.version === body.serving ? "serving" : ""}" data-version="${esc(c.version)}">` +
      `<td><code>${esc(c.version)}</code></td><td>${m.epoch ?? "–"}</td>` +
      `<td>${m.trainLoss?.toFixed?.(4) ?? "–"}</td><td>${m.valLoss?.toFixed?.(4) ?? "–"}</td><td>${
        pct(m.valTop1)
      }</td>` +
      `<td>${esc(new Date(c.createdAt).toLocaleString())}</td>` +
      `<td>${
        body.managed && c.version !== body.pinned
          ? `<button class="promote" data-version="${esc(c.version)}">Promote</button>`
          : c.version === body.pinned
          ? "pinned"
          : ""
      }</td></tr>`;
  }).join("");
}

const TOKEN_KEY = "alexnet-admin-token";

/** The admin token for promote and rollback: asked once per tab, forgotten when the service refuses it. */
function adminToken(ask) {
  let token = sessionStorage.getItem(TOKEN_KEY);
  if (!token || ask) {
    token = prompt("Admin token (the service's --admin-token):") ?? "";
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
  }
  return token;
}

async function act(request, done) {
  try {
    let response;
    for (const ask of [false, true]) {
      const token = adminToken(ask);
      if (!token) throw new Error("promote and rollback need the admin token");
      response = await fetch(request.url, {
        method: "POST",
        ...request,
        headers: { ...request.headers, authorization: `Bearer ${token}` },
      });
      if (response.status !== 401 && response.status !== 403) break;
      const refusal = await response.clone().json().catch(() => ({}));
      if (refusal.error?.code === "admin_disabled") break; // no token would do: the service has none configured
      sessionStorage.removeItem(TOKEN_KEY);
      if (ask) break;
    }
    action.textContent = done(await jsonOrThrow(response));
  } catch (error) {
    action.innerHTML = `<span class="error">${esc(error.message)}</span>`;
  }
  // Replicas follow the pin within seconds; show the new state once they have.
  setTimeout(renderCheckpoints, 1500);
  renderCheckpoints();
}

document.getElementById("checkpoints").addEventListener("click", (event) => {
  const button = event.target.closest("button.promote");
  if (!button) return;
  act({
    url: "/v1/models/promote",
    body: JSON.stringify({ version: button.dataset.version }),
    headers: { "content-type": "application/json" },
  }, (b) => `${b.name} pinned to ${b.pinned}`);
});
document.getElementById("rollback").addEventListener(
  "click",
  () => act({ url: "/v1/models/rollback" }, (b) => `${b.name} rolled back to ${b.pinned}`),
);

const events = new EventSource("/v1/training/events");
events.addEventListener("ready", () => (live.textContent = "live"));
events.onerror = () => (live.textContent = "reconnecting…");
events.addEventListener("status", (e) => {
  const s = JSON.parse(e.data);
  const r = run(s.runId);
  r.status = s;
  r.name ||= s.name ?? "";
  renderRuns();
});
events.addEventListener("progress", (e) => {
  const p = JSON.parse(e.data);
  run(p.runId).progress = p;
  renderRuns();
});
events.addEventListener("epoch", (e) => {
  const m = JSON.parse(e.data);
  const r = run(m.runId);
  r.epochs = r.epochs.filter((x) => x.epoch !== m.epoch).concat(m).sort((a, b) => a.epoch - b.epoch);
  renderRuns();
});
events.addEventListener("checkpoint", (e) => {
  const c = JSON.parse(e.data);
  run(c.runId).name ||= c.name;
  renderCheckpoints();
});
renderCheckpoints();
