/**
 * The whole flow across real processes, as `deno task up` runs them: a trainer run with
 * `--nats` publishes → inference serves the new version → retrieval embeds the catalogue
 * with it; a second run publishes again → both follow, retrieval re-embeds → a classify and
 * a search both answer with the newest version.
 */
import assert from "node:assert/strict";
import { taskArgs } from "../shared/cli/mod.ts";
import { freePort, pollUntil } from "../shared/cli/mod.ts";
import { fetchJsonOrNull } from "../shared/http/mod.ts";
import { encodeRgbPng, GENERATED_CLASSES, generateShapeImage } from "../shared/image/mod.ts";
import { SeededRandom } from "../shared/random/mod.ts";
import { LocalStack } from "../deploy/local/local_stack.ts";

const root = new URL("../", import.meta.url).pathname;

async function train(natsUrl: string, seed: number, signingKey: string, trainerSeed: string): Promise<string> {
  const out = await Deno.makeTempDir();
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      ...taskArgs("train", [`--allow-write=${out}`]),
      ...["--epochs", "1", "--limit", "8", "--width", "0.25", "--batch-size", "8", "--seed", String(seed)],
      ...["--name", "e2e", "--quiet", "--backend", "wasm", "--nats", natsUrl, "--out", out],
      ...["--signing-key", signingKey, "--nats-nkey", trainerSeed],
    ],
    cwd: root,
    stdout: "null",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stderr);
  assert.equal(code, 0, text);
  return /published e2e@(\S+)/.exec(text)![1];
}

const status = fetchJsonOrNull;
const until = (what: string, check: () => Promise<boolean>, timeoutMs = 60_000) =>
  pollUntil(what, check, { timeoutMs });

Deno.test({
  name: "train → inference hot-loads → retrieval re-embeds → classify and search answer with the new version",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const logs: string[] = [];
    const stack = await LocalStack.start({
      dataDir: await Deno.makeTempDir({ prefix: "alexnet-stack-" }),
      natsPort: freePort(),
      inferencePort: freePort(),
      retrievalPort: freePort(),
      model: "e2e",
      trainer: false,
      backend: "wasm",
      host: "127.0.0.1",
      write: (line) => logs.push(line),
      allowUnsigned: false,
    });
    try {
      const v1 = await train(stack.natsUrl, 1, stack.signingKey, stack.natsSeeds.trainer);
      await until(
        "inference to serve v1",
        async () => (await status(`${stack.inferenceUrl}/readyz`))?.model?.version === v1,
      );
      await until(
        "retrieval to load v1",
        async () => (await status(`${stack.retrievalUrl}/v1/status`))?.model?.version === v1,
      );
      const rng = new SeededRandom(3);
      for (let i = 0; i < 8; i++) {
        const form = new FormData();
        const png = encodeRgbPng(generateShapeImage(i % 4, 80, rng));
        form.append("image", new Blob([png as BlobPart], { type: "image/png" }), `${i}.png`);
        form.append("metadata", JSON.stringify({ label: GENERATED_CLASSES[i % 4] }));
        const added = await fetch(`${stack.retrievalUrl}/v1/images`, { method: "POST", body: form });
        assert.equal(added.status, 201, await added.text());
      }

      const v2 = await train(stack.natsUrl, 2, stack.signingKey, stack.natsSeeds.trainer);
      assert.ok(v2 > v1, `versions sort by time: ${v1} < ${v2}`);
      await until(
        "inference to serve v2",
        async () => (await status(`${stack.inferenceUrl}/readyz`))?.model?.version === v2,
      );
      await until("retrieval to re-embed with v2", async () => {
        const s = await status(`${stack.retrievalUrl}/v1/status`);
        return s?.model?.version === v2 && s.indexed === 8 && !s.reindexing;
      });
      assert.ok(
        logs.some((l) => l.includes(`index e2e@${v2}`) && l.includes("8 embedded")),
        "retrieval embedded the 8 catalogued images again with v2",
      );

      const query = encodeRgbPng(generateShapeImage(1, 80, rng)) as BodyInit;
      const classify = await fetch(`${stack.inferenceUrl}/v1/classify`, {
        method: "POST",
        body: query,
        headers: { "content-type": "image/png" },
      });
      const c = await classify.json();
      assert.equal(classify.status, 200, JSON.stringify(c));
      assert.equal(c.model.version, v2);
      const search = await fetch(`${stack.retrievalUrl}/v1/search?k=3`, {
        method: "POST",
        body: encodeRgbPng(generateShapeImage(2, 80, rng)) as BodyInit,
        headers: { "content-type": "image/png" },
      });
      const s = await search.json();
      assert.equal(search.status, 200, JSON.stringify(s));
      assert.equal(s.model.version, v2);
      assert.equal(s.results.length, 3);
      assert.ok(logs.some((l) => l.startsWith("[nats]")), "NATS logs are forwarded with their prefix");
      // Every role did all of the above within the permissions of deploy/nats/auth.conf.
      const violations = logs.filter((l) => /Violation/.test(l));
      assert.deepEqual(violations, [], "no identity was refused anything it needed");
    } finally {
      await stack.stop();
    }
  },
});

async function runUntil(args: string[], marker: RegExp, timeoutMs: number) {
  const child = new Deno.Command(Deno.execPath(), { args, cwd: root, stdout: "piped", stderr: "piped" }).spawn();
  let text = "";
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  const deadline = Date.now() + timeoutMs;
  while (!marker.test(text)) {
    const { value, done } = await reader.read();
    if (done || Date.now() > deadline) break;
    text += value;
  }
  return {
    child,
    reader,
    text: () => text,
    more: async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return text;
        text += value;
      }
    },
  };
}

Deno.test("deno task up serves every page and stops cleanly on Ctrl-C", async () => {
  const ports = [freePort(), freePort(), freePort()];
  const run = await runUntil(
    [
      ...taskArgs("up"),
      ...["--data-dir", await Deno.makeTempDir(), "--backend", "wasm", "--no-trainer"],
      ...["--nats-port", String(ports[0]), "--inference-port", String(ports[1]), "--retrieval-port", String(ports[2])],
    ],
    /Ctrl-C stops everything/,
    60_000,
  );
  assert.match(run.text(), new RegExp(`classify +http://localhost:${ports[1]}/ui/classify`));
  for (const url of [`http://127.0.0.1:${ports[1]}/ui/training`, `http://127.0.0.1:${ports[2]}/ui/search`]) {
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<header><\/header>/);
  }
  run.child.kill("SIGINT");
  const text = await run.more();
  await run.child.stdout.cancel();
  assert.equal((await run.child.status).code, 0, text);
  assert.match(text, /SIGINT: stopping…[\s\S]*stopped/);
  assert.match(text, /\[nats\] +.*Server Exiting/);
});

Deno.test("deno task demo --once trains through the worker and passes its classify and search checks", async () => {
  const ports = [freePort(), freePort(), freePort()];
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      ...taskArgs("demo"),
      "--once",
      ...["--epochs", "2", "--width", "0.25", "--data-dir", await Deno.makeTempDir(), "--backend", "wasm"],
      ...["--nats-port", String(ports[0]), "--inference-port", String(ports[1]), "--retrieval-port", String(ports[2])],
    ],
    cwd: root,
    stdout: "null",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stderr);
  assert.equal(code, 0, text.slice(-3000));
  assert.match(text, /PASS classify: .* by demo@\S+-e002/);
  assert.match(text, /PASS search: .* by demo@\S+-e002/);
  assert.match(text, /epoch 1 \[#+\.*\] \d+\/\d+ images/, "training progress is shown");
  assert.doesNotMatch(text, /Violation/, "every role stayed within deploy/nats/auth.conf");
});
