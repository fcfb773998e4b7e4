import { esc, fileDropZone, jsonOrThrow, mountHeader, predictionBars } from "./page_shell.js";

await mountHeader("classify");
const served = document.getElementById("served-model");
const info = await fetch("/v1/model/info").then((r) => (r.ok ? r.json() : null)).catch(() => null);
served.textContent = info ? `serving ${info.name}@${info.version}` : "no model loaded yet";

const serverResult = document.getElementById("server-result");
const browserCard = document.getElementById("browser-card");
const browserResult = document.getElementById("browser-result");
const inBrowser = document.getElementById("in-browser");
const backendSelect = document.getElementById("browser-backend");
let browserClassifier = null;
let lastFile = null;

async function classifyOnServer(file) {
  serverResult.innerHTML = "Classifying…";
  const started = performance.now();
  try {
    const body = await jsonOrThrow(
      await fetch("/v1/classify?topk=5", { method: "POST", body: file, headers: { "content-type": file.type } }),
    );
    const roundTrip = performance.now() - started;
    const t = body.timings;
    serverResult.innerHTML = predictionBars(body.predictions) +
      `<p class="meta" id="server-timings">model <b>${esc(body.model.name)}@${esc(body.model.version)}</b><br>` +
      `decode ${t.decode.toFixed(1)} ms · preprocess ${t.preprocess.toFixed(1)} ms · infer ${
        t.infer.toFixed(1)
      } ms · ` +
      `server ${t.total.toFixed(1)} ms · round trip ${roundTrip.toFixed(0)} ms</p>`;
  } catch (error) {
    serverResult.innerHTML = `<p class="error">${esc(error.message)}</p>`;
  }
}

async function classifyInBrowser(file) {
  browserCard.hidden = false;
  try {
    const backend = backendSelect.value;
    if (!browserClassifier || browserClassifier.backend !== backend) {
      browserResult.innerHTML = `Loading TensorFlow.js (${backend}) and the model…`;
      const { loadBrowserClassifier } = await import(new URL("/ui/browser_classifier.js", location.origin).href);
      browserClassifier?.dispose();
      browserClassifier = await loadBrowserClassifier({ baseUrl: location.origin, backend });
    }
    const c = browserClassifier;
    const result = await c.classify(await createImageBitmap(file), 5);
    const t = result.timings;
    browserResult.innerHTML = predictionBars(result.predictions) +
      `<p class="meta" id="browser-timings">model <b>${esc(c.info.name)}@${esc(c.info.version)}</b> on ` +
      `<b>${esc(c.backend)}</b>, fc6–fc8 <b>${esc(c.dense.encodings[0])}</b> in WebAssembly${
        c.dense.relaxedSimd ? " (relaxed SIMD)" : ""
      } (loaded in ${c.loadSeconds.toFixed(1)} s)<br>preprocess ${t.preprocess.toFixed(1)} ms · ` +
      `infer ${t.infer.toFixed(1)} ms · total ${t.total.toFixed(1)} ms</p>`;
  } catch (error) {
    browserResult.innerHTML = `<p class="error">${esc(error.message)}</p>`;
  }
}

async function handle(file) {
  lastFile = file;
  const preview = document.getElementById("preview");
  preview.src = URL.createObjectURL(file);
  preview.hidden = false;
  await Promise.all([classifyOnServer(file), inBrowser.checked ? classifyInBrowser(file) : null]);
}

fileDropZone(document.getElementById("drop"), document.getElementById("file"), handle);
inBrowser.addEventListener("change", () => {
  browserCard.hidden = !inBrowser.checked;
  if (inBrowser.checked && lastFile) classifyInBrowser(lastFile);
});
backendSelect.addEventListener("change", () => inBrowser.checked && lastFile && classifyInBrowser(lastFile));
