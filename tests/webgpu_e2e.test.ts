/**
 * Every path on `--backend webgpu`, end to end, as real processes: train with validation and
 * resume, predict, figures, the transfer experiment, serve:inference (one forward pass per
 * request, and micro-batched), serve:retrieval (add, search, re-embed on a new version) and
 * retrieval:eval — on whatever WebGPU adapter the machine has (Mesa's lavapipe in CI, so the
 * network is narrow). Answers are compared with the WASM backend's; a network too wide for the
 * adapter's binding limit is refused with one line.
 */
import assert from "node:assert/strict";
import { taskArgs, taskFor } from "../shared/cli/mod.ts";
import { NatsServerProcess } from "../shared/nats_server/mod.ts";
import { connectBus, EpochMetricsSchema, publishCheckpoint } from "../shared/bus/mod.ts";
import { readCheckpointDir, writeNpy } from "../shared/checkpoint/mod.ts";
import { pollUntil } from "../shared/cli/mod.ts";
import { SeededRandom } from "../shared/random/mod.ts";
import { writeShapeFolder } from "./fixtures/shape_folder.ts";
import { spawnService } from "./fixtures/spawn_service.ts";
import { webgpuAdapter, webgpuBindingLimit, webgpuHasShaderF16 } from "./fixtures/webgpu_adapter.ts";

/** The test's scratch folder: the one place its commands may write besides their tasks' own. */
const work = await Deno.makeTempDir({ prefix: "alexnet-webgpu-" });

/** Runs `script` as its task (its declared permissions), writing only under the test's folder. */
async function run(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [...taskArgs(taskFor(script), [`--allow-write=${work}`]), ...args],
    env: { NO_COLOR: "1" },
  }).output();
  return { code, stdout: new TextDecoder().decode(stdout), stderr: new TextDecoder().decode(stderr) };
}

async function ok(script: string, args: string[]): Promise<string> {
  const result = await run(script, args);
  assert.equal(result.code, 0, `${script} ${args.join(" ")}:\n${result.stderr}`);
  return result.stdout;
}

/** max |a − b| / max |b|. */
function relativeError(a: number[], b: number[]): number {
  assert.equal(a.length, b.length);
  const diff = Math.max(...a.map((x, i) => Math.abs(x - b[i])));
  return diff / Math.max(...b.map(Math.abs));
}

type Prediction = { index: number; probability: number };

async function classify(base: string, bytes: Uint8Array): Promise<Prediction[]> {
  const response = await fetch(`${base}/v1/classify?topk=4`, {
    method: "POST",
    body: bytes as BodyInit,
    headers: { "content-type": "image/png" },
  });
  const body = await response.json();
  assert.equal(response.status, 200, JSON.stringify(body));
  return body.predictions;
}

function assertSamePredictions(actual: Prediction[], expected: Prediction[], what: string): void {
  const byIndex = new Map(expected.map((p) => [p.index, p.probability]));
  for (const p of actual) {
    assert.ok(Math.abs(p.probability - byIndex.get(p.index)!) < 1e-4, `${what}: class ${p.index}`);
  }
}

Deno.test("every path runs on WebGPU and answers what WASM answers", async (t) => {
  console.error(`webgpu: ${await webgpuAdapter()}`);
  const data = await writeShapeFolder(6);
  const run1 = `${work}/run1`, run2 = `${work}/run2`;
  const gpu = ["--backend", "webgpu"];
  const small = ["--input-size", "63", "--width", "0.25", "--batch-size", "8", "--quiet"];
  const image = await Deno.readFile(`${data}/square.2.png`);
  try {
    await t.step("train with validation, then resume (in shader-f16 where offered), on WebGPU", async () => {
      const out = await ok("services/trainer/main.ts", [
        ...gpu,
        ...small,
        ...["--data", data, "--epochs", "2", "--val-split", "0.25", "--json", "--out", run1, "--name", "gpu"],
      ]);
      const epochs = out.trim().split("\n").map((l) => EpochMetricsSchema.parse(JSON.parse(l)));
      assert.deepEqual(epochs.map((e) => e.epoch), [1, 2]);
      assert.ok(epochs.every((e) => Number.isFinite(e.trainLoss) && e.valTop1 !== null && e.valLoss !== null));
      const half = await webgpuHasShaderF16();
      const resumed = await run("services/trainer/main.ts", [
        ...gpu,
        ...small,
        ...(half ? ["--shader-f16"] : []),
        ...["--data", data, "--epochs", "1", "--resume", `${run1}/last`, "--json", "--out", run2, "--name", "gpu"],
      ]);
      assert.equal(resumed.code, 0, resumed.stderr);
      const third = EpochMetricsSchema.parse(JSON.parse(resumed.stdout.trim()));
      assert.equal(third.epoch, 3);
      assert.ok(Number.isFinite(third.trainLoss));
      if (half) assert.match(resumed.stderr, /backend webgpu \(requested, filter gradients in shader-f16\)/);
    });

    await t.step("predict: the same probabilities and logits as WASM", async () => {
      const args = ["--checkpoint", `${run1}/last`, "--topk", "4", `${data}/square.2.png`];
      const [onGpu, onWasm] = [
        JSON.parse(await ok("services/inference/predict_main.ts", [...gpu, ...args])),
        JSON.parse(await ok("services/inference/predict_main.ts", ["--backend", "wasm", ...args])),
      ];
      assertSamePredictions(onGpu.predictions, onWasm.predictions, "predict");
      const rng = new SeededRandom(9);
      await Deno.writeFile(
        `${work}/x.npy`,
        writeNpy([2, 63, 63, 3], Float32Array.from({ length: 2 * 63 * 63 * 3 }, () => rng.normal())),
      );
      const logits = async (backend: string) =>
        (await ok("services/inference/predict_main.ts", [
          ...["--backend", backend, "--checkpoint", `${run1}/last`, "--npy", `${work}/x.npy`],
        ])).trim().split("\n").flatMap((l) => JSON.parse(l).logits as number[]);
      const error = relativeError(await logits("webgpu"), await logits("cpu"));
      assert.ok(error < 1e-4, `WebGPU logits differ from the CPU backend's by ${error}`);
    });

    await t.step("figures and the transfer experiment", async () => {
      await ok("services/trainer/paper/figures_main.ts", [
        ...gpu,
        ...["--checkpoint", `${run1}/last`, "--data", data, "--queries", "2", "--out", `${work}/figures`],
      ]);
      assert.ok((await Deno.stat(`${work}/figures/fig4-fc7-neighbours.png`)).size > 0);
      await ok("services/trainer/paper/experiment_transfer_main.ts", [
        ...gpu,
        ...small,
        ...["--data", data, "--pretrained", `${run1}/last`, "--epochs", "1", "--out", `${work}/transfer`],
      ]);
      assert.match(await Deno.readTextFile(`${work}/transfer/report.md`), /Final val top-1/);
    });

    await t.step("serve:inference answers like WASM, one pass per request and micro-batched", async () => {
      const expected = JSON.parse(
        await ok("services/inference/predict_main.ts", [
          ...["--backend", "wasm", "--checkpoint", `${run1}/last`, "--topk", "4", `${data}/square.2.png`],
        ]),
      ).predictions;
      for (const batching of [["--max-batch", "1"], ["--max-batch", "8", "--batch-wait-ms", "50"]]) {
        const service = await spawnService(
          "services/inference/main.ts",
          ["--checkpoint", `${run1}/last`, ...batching],
          { backend: "webgpu" },
        );
        try {
          const answers = await Promise.all(Array.from({ length: 6 }, () => classify(service.base, image)));
          for (const answer of answers) assertSamePredictions(answer, expected, batching.join(" "));
        } finally {
          service.child.kill("SIGTERM");
          await service.child.status;
        }
      }
    });

    await t.step("serve:retrieval adds, searches and re-embeds on a new version; retrieval:eval", async () => {
      const nats = await NatsServerProcess.start();
      const nc = await connectBus(nats.url);
      const service = await spawnService(
        "services/retrieval/main.ts",
        ["--nats", nats.url, "--model", "gpu"],
        { backend: "webgpu" },
      );
      const status = () => fetch(`${service.base}/v1/status`).then((r) => r.json());
      try {
        const v1 = await readCheckpointDir(`${run1}/last`);
        await publishCheckpoint(nc, v1, { runId: "r", epoch: 2, best: true });
        await pollUntil("the first model", async () => (await status()).model ?? null, { timeoutMs: 60_000 });
        const names = ["disc.0", "square.0", "triangle.0", "cross.0", "disc.1", "square.1"];
        for (const name of names) {
          const response = await fetch(`${service.base}/v1/images`, {
            method: "POST",
            body: await Deno.readFile(`${data}/${name}.png`),
            headers: { "content-type": "image/png" },
          });
          assert.equal(response.status, 201, await response.text());
        }
        const search = async () => {
          const response = await fetch(`${service.base}/v1/search?k=3`, {
            method: "POST",
            body: await Deno.readFile(`${data}/square.0.png`),
            headers: { "content-type": "image/png" },
          });
          assert.equal(response.status, 200);
          return (await response.json()).results as { id: string; score: number }[];
        };
        const [first] = await search();
        assert.ok(Math.abs(first.score - 1) < 1e-4, `the query itself is found first: ${JSON.stringify(first)}`);
        const v2 = await readCheckpointDir(`${run2}/last`);
        await publishCheckpoint(nc, v2, { runId: "r", epoch: 3, best: true });
        const version = JSON.parse(new TextDecoder().decode(v2.get("manifest.json"))).version;
        await pollUntil("re-embedding on the new version", async () => {
          const s = await status();
          return s.model?.version === version && s.indexed === names.length ? s : null;
        }, { timeoutMs: 60_000 });
        assert.equal((await search()).length, 3);
      } finally {
        service.child.kill("SIGTERM");
        await service.child.status;
        await nc.close();
        await nats.stop({ removeStore: true });
      }
      await ok("services/retrieval/eval_main.ts", [
        ...gpu,
        ...["--checkpoint", `${run1}/last`, "--data", data, "--out", `${work}/eval.json`],
      ]);
      assert.equal(JSON.parse(await Deno.readTextFile(`${work}/eval.json`)).images, 24);
    });

    await t.step("a network too wide for the adapter is refused with one line, not run on zeros", async () => {
      const { code, stderr } = await run("services/trainer/main.ts", [
        ...gpu,
        ...["--data", data, "--input-size", "63", "--width", "1", "--epochs", "1", "--quiet", "--out", `${work}/wide`],
      ]);
      if ((await webgpuBindingLimit()) < 151e6) {
        assert.equal(code, 2, stderr);
        assert.match(stderr.trim().split("\n").at(-1)!, /^error: the fc6 kernel \[9216,4096\] is 151\.0 MB, over this/);
      } else assert.equal(code, 0, stderr); // a real GPU binds 151 MB
    });
  } finally {
    await Deno.remove(work, { recursive: true });
    await Deno.remove(data, { recursive: true });
  }
});
