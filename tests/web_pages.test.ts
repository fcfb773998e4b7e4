/**
 * The web pages in a real browser (Debian's Chromium driven by playwright-core) against real
 * services on a real nats-server: a trainer run publishes two checkpoints, inference follows
 * them, retrieval indexes images, and each page is used the way a person would — a real PNG
 * uploaded through the file picker — with screenshots saved to tests/artifacts/ (or
 * $ALEXNET_TEST_ARTIFACTS).
 */
import assert from "node:assert/strict";
import { type Browser, chromium, type Page } from "playwright-core";
import { NatsServerProcess } from "../shared/nats_server/mod.ts";
import { selectBackend } from "../shared/backend/mod.ts";
import { connectBus } from "../shared/bus/mod.ts";
import { pollUntil } from "../shared/cli/mod.ts";
import { fetchJsonOrNull } from "../shared/http/mod.ts";
import { encodeRgbPng, GENERATED_CLASSES, generateShapeImage } from "../shared/image/mod.ts";
import { SeededRandom } from "../shared/random/mod.ts";
import { runTraining } from "../services/trainer/app.ts";
import { DEFAULT_TRAIN_CONFIG } from "../services/trainer/train_config.ts";
import { spawnService } from "./fixtures/spawn_service.ts";
import { chromiumPath } from "./fixtures/chromium_path.ts";

await selectBackend("wasm");

const artifacts = Deno.env.get("ALEXNET_TEST_ARTIFACTS") ?? new URL("./artifacts/", import.meta.url).pathname;
await Deno.mkdir(artifacts, { recursive: true });

const waitFor = <T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000) =>
  pollUntil(what, probe, { timeoutMs });
const json = fetchJsonOrNull;

Deno.test({
  name: "classify, search, training and model pages work in Chromium against live services",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    const nats = await NatsServerProcess.start();
    const dir = await Deno.makeTempDir({ prefix: "alexnet-ui-" });
    const rng = new SeededRandom(9);
    const photos = GENERATED_CLASSES.map((name, label) => {
      const path = `${dir}/${name}.png`;
      Deno.writeFileSync(path, encodeRgbPng(generateShapeImage(label, 96, rng)));
      return path;
    });
    const retrieval = await spawnService("services/retrieval/main.ts", ["--nats", nats.url, "--model", "ui"]);
    const adminToken = crypto.randomUUID();
    const inference = await spawnService("services/inference/main.ts", [
      "--nats",
      nats.url,
      "--model",
      "ui",
      "--retrieval-url",
      retrieval.base,
      "--admin-token",
      adminToken,
    ]);
    const nc = await connectBus(nats.url);
    let browser: Browser | null = null;
    try {
      const result = await runTraining({
        ...DEFAULT_TRAIN_CONFIG,
        inputSize: 63,
        width: 0.25,
        limit: 12,
        batchSize: 8,
        epochs: 2,
        out: `${dir}/run`,
        name: "ui",
        quiet: true,
      }, { log: () => {}, stdout: () => {}, nats: nc });
      const [first, second] = result.publishedVersions;
      await waitFor(
        "inference to serve the newest version",
        async () => (await json(`${inference.base}/readyz`))?.model?.version === second,
      );
      for (const [i, path] of photos.entries()) {
        for (let copy = 0; copy < 3; copy++) {
          const bytes = encodeRgbPng(generateShapeImage(i, 96, rng));
          const form = new FormData();
          form.append("image", new Blob([bytes as BlobPart], { type: "image/png" }), "shape.png");
          form.append("metadata", JSON.stringify({ label: GENERATED_CLASSES[i], name: `${i}-${copy}` }));
          const added = await fetch(`${retrieval.base}/v1/images`, { method: "POST", body: form });
          assert.ok(added.ok, await added.text());
        }
        assert.ok(path);
      }
      let status: unknown = null;
      await waitFor("retrieval to index with the newest version", async () => {
        const s = await json(`${retrieval.base}/v1/status`);
        status = s;
        return s?.model?.version === second && s.indexed === 12;
      }).catch((error) => {
        throw new Error(`${error.message}; last status ${JSON.stringify(status)}`);
      });

      browser = await chromium.launch({
        executablePath: chromiumPath(),
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
      });
      const page: Page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
      const pageErrors: string[] = [];
      page.on("pageerror", (e) => pageErrors.push(e.message));

      await t.step("classify: upload a photo, see top bars from the server and from the browser", async () => {
        await page.goto(`${inference.base}/ui/classify`);
        await page.locator("header nav a", { hasText: "Search" }).waitFor();
        await page.setInputFiles("#file", photos[1]);
        await page.locator("#server-timings").waitFor({ timeout: 30_000 });
        const serverTop = (await page.locator("#server-result .bars li .label").first().textContent())!;
        assert.equal(await page.locator("#server-result .bars li").count(), 4, "top-k is capped at the 4 classes");
        assert.match(await page.locator("#server-timings").textContent() ?? "", new RegExp(`ui@${second}`));
        await page.check("#in-browser");
        await page.locator("#browser-timings").waitFor({ timeout: 90_000 });
        assert.match(await page.locator("#browser-timings").textContent() ?? "", /on wasm/);
        const browserTop = (await page.locator("#browser-result .bars li .label").first().textContent())!;
        assert.equal(browserTop, serverTop, "the same checkpoint ranks the same class first in both places");
        await page.screenshot({ path: `${artifacts}/classify.png`, fullPage: true });
      });

      await t.step("search: upload a photo, see neighbours with scores, click one to search from it", async () => {
        await page.locator("header nav a", { hasText: "Search" }).click();
        await page.waitForURL(`${retrieval.base}/ui/search`);
        await page.setInputFiles("#file", photos[2]);
        await page.locator(".hit").first().waitFor({ timeout: 30_000 });
        assert.equal(await page.locator(".hit").count(), 12);
        const scores = await page.locator(".hit .score").allTextContents();
        assert.deepEqual([...scores].sort().reverse(), scores, "best first");
        const clicked = await page.locator(".hit").nth(3).getAttribute("data-id");
        await page.locator(".hit").nth(3).click();
        await waitFor(
          "the clicked image to become the query",
          async () =>
            (await page.locator("#query").getAttribute("src")) === `/v1/images/${clicked}` &&
            (await page.locator("#search-meta").textContent())?.includes("ms") &&
            (await page.locator(".hit").count()) === 11,
        );
        const ids = await Promise.all(
          [...Array(11).keys()].map((i) => page.locator(".hit").nth(i).getAttribute("data-id")),
        );
        assert.ok(!ids.includes(clicked), "searching from an image lists the other images");
        await page.screenshot({ path: `${artifacts}/search.png`, fullPage: true });
      });

      await t.step("training: curves of the run, the checkpoints, promote an older version", async () => {
        await page.goto(`${inference.base}/ui/training`);
        await page.locator("#live", { hasText: "live" }).waitFor();
        await page.locator(".run svg.chart").first().waitFor();
        assert.equal(await page.locator(".run svg.chart").count(), 2, "loss and accuracy charts of the run");
        assert.match(await page.locator(".run .pill").first().textContent() ?? "", /done/);
        await page.locator("#checkpoints tr").nth(1).waitFor();
        assert.equal(await page.locator("#checkpoints tr").count(), 2);
        // The page asks for the admin token once; a wrong one is refused and asked again.
        const answers = ["not-the-token-at-all", adminToken];
        const asked: string[] = [];
        page.on("dialog", (dialog) => {
          asked.push(dialog.message());
          dialog.accept(answers.shift());
        });
        await page.locator(`button.promote[data-version="${first}"]`).click();
        await page.locator("#action", { hasText: `pinned to ${first}` }).waitFor();
        assert.equal(asked.length, 2, "asked for the token, then again after the wrong one");
        await waitFor(
          "inference to follow the pin",
          async () => (await json(`${inference.base}/readyz`))?.model?.version === first,
          30_000,
        );
        await page.reload();
        await page.locator(`#checkpoints tr.serving[data-version="${first}"]`).waitFor({ timeout: 15_000 });
        await page.screenshot({ path: `${artifacts}/training.png`, fullPage: true });
      });

      await t.step("model: the conv1 kernel grid of the serving model", async () => {
        await page.goto(`${inference.base}/ui/model`);
        await page.locator("#kernel-note", { hasText: "px" }).waitFor();
        const width = Number(await page.evaluate("document.querySelector('#kernels').naturalWidth"));
        assert.ok(width > 100, `kernel grid ${width} px wide`);
        assert.match(await page.locator("#facts").textContent() ?? "", new RegExp(first));
        await page.screenshot({ path: `${artifacts}/model.png`, fullPage: true });
      });
      assert.deepEqual(pageErrors, []);
    } finally {
      await browser?.close();
      for (const service of [inference, retrieval]) {
        service.child.kill("SIGTERM");
        await service.child.status;
      }
      await nc.drain();
      await nats.stop({ removeStore: true });
    }
  },
});
