/**
 * The edge function under `deno serve` with its declared permissions (`-P=edge`, the hosts it may
 * reach and the folder it may read given as a deployer would), against a real HTTP client: it
 * loads a signed int8 checkpoint from the inference service's model-files endpoint (or a folder)
 * on first need, answers `/v1/classify` exactly as `serve:inference` does for the same checkpoint,
 * documents the same operation, refuses a checkpoint signed by an untrusted key or on a host it
 * may not reach, and works with `--parallel`.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { selectBackend } from "../shared/backend/mod.ts";
import {
  type CheckpointFiles,
  quantizeCheckpoint,
  signCheckpoint,
  signerFromJwk,
  writeCheckpointDir,
  writeKeyPair,
} from "../shared/checkpoint/mod.ts";
import { freePort, pollUntil, taskArgs } from "../shared/cli/mod.ts";
import { encodeRgbPng, generateShapeImage } from "../shared/image/mod.ts";
import { SeededRandom } from "../shared/random/mod.ts";
import { spawnService } from "./fixtures/spawn_service.ts";
import { tinyCheckpoint } from "./fixtures/tiny_checkpoint.ts";

await selectBackend("wasm");

const ROOT = fileURLToPath(new URL("../", import.meta.url));

interface Edge {
  base: string;
  child: Deno.ChildProcess;
  stop(): Promise<void>;
}

/** `deno serve -P=edge` with the environment and the grants a deployer gives it. */
async function serveEdge(
  env: Record<string, string>,
  grants: { net: string[]; read?: string[] },
  options: { parallel?: boolean } = {},
): Promise<Edge> {
  const port = await freePort();
  const [verb, quiet, permissions, ...rest] = taskArgs("serve:edge");
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      verb,
      quiet,
      permissions,
      `--allow-net=${[`127.0.0.1:${port}`, ...grants.net].join(",")}`,
      // The edge's own permission set reads nothing; a folder checkpoint is granted here.
      ...(grants.read ? [`--allow-read=${grants.read.join(",")}`] : []),
      ...(options.parallel ? ["--parallel"] : []),
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      ...rest,
    ],
    env: { ...env, NO_COLOR: "1", DENO_JOBS: "2" },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const base = `http://127.0.0.1:${port}`;
  const log: string[] = [];
  const draining = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) log.push(chunk);
  })();
  await pollUntil(
    "the edge function to listen",
    async () => await fetch(`${base}/healthz`).then(async (r) => (await r.body?.cancel(), r.ok)),
    { timeoutMs: 30_000, intervalMs: 50 },
  ).catch(async (error) => {
    try {
      child.kill();
    } catch { /* it already exited */ }
    await draining.catch(() => {});
    throw new Error(`${error.message}: ${log.join("")}`);
  });
  return {
    base,
    child,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await draining.catch(() => {});
    },
  };
}

async function classify(base: string, body: BodyInit, type?: string) {
  const response = await fetch(`${base}/v1/classify?topk=2`, {
    method: "POST",
    body,
    headers: type ? { "content-type": type } : {},
  });
  return { status: response.status, json: await response.json() };
}

/** A signed int8 copy of a tiny checkpoint in a folder, and the public key that signed it. */
async function signedInt8(dir: string): Promise<{ files: CheckpointFiles; jwk: string; version: string }> {
  const keys = await writeKeyPair(`${dir}/keys`, "trainer");
  const privateJwk = JSON.parse(await Deno.readTextFile(keys.privatePath));
  const int8 = await quantizeCheckpoint(await tinyCheckpoint("edge", "20261204T000000Z-edge-e001"), "int8");
  const files = await signCheckpoint(int8, await signerFromJwk(privateJwk));
  await writeCheckpointDir(`${dir}/checkpoint`, files);
  const version = JSON.parse(new TextDecoder().decode(files.get("manifest.json")!)).version;
  return { files, jwk: await Deno.readTextFile(keys.publicPath), version };
}

const photo = encodeRgbPng(generateShapeImage(0, 90, new SeededRandom(5))) as Uint8Array<ArrayBuffer>;

Deno.test("the edge function answers as serve:inference does, from the service's model files, under -P=edge", async () => {
  const dir = await Deno.makeTempDir({ prefix: "alexnet-edge-" });
  const { jwk, version } = await signedInt8(dir);
  const service = await spawnService("services/inference/main.ts", ["--checkpoint", `${dir}/checkpoint`], {
    trustedKeys: `${dir}/keys/trainer.public.jwk`,
  });
  const serviceHost = new URL(service.base).host;
  const edge = await serveEdge(
    { ALEXNET_CHECKPOINT: `${service.base}/v1/model/files/${version}/`, ALEXNET_TRUSTED_JWKS: jwk },
    { net: [serviceHost] },
  );
  try {
    // Loaded on first need: not before.
    const before = await fetch(`${edge.base}/readyz`);
    assert.equal(before.status, 503);
    assert.equal((await before.json()).error.code, "not_ready");

    const fromService = await classify(service.base, photo, "image/png");
    const fromEdge = await classify(edge.base, photo, "image/png");
    assert.equal(fromService.status, 200, JSON.stringify(fromService.json));
    assert.equal(fromEdge.status, 200, JSON.stringify(fromEdge.json));
    assert.deepEqual(fromEdge.json.model, { name: "edge", version });
    assert.deepEqual(fromEdge.json.predictions, fromService.json.predictions, "the same answer, to the last bit");

    const form = new FormData();
    form.append("image", new Blob([photo], { type: "image/png" }), "disc.png");
    const multipart = await classify(edge.base, form);
    assert.equal(multipart.status, 200);
    assert.deepEqual(multipart.json.predictions, fromService.json.predictions);

    const ready = await (await fetch(`${edge.base}/readyz`)).json();
    assert.deepEqual({ status: ready.status, model: ready.model }, {
      status: "ready",
      model: { name: "edge", version },
    });
    assert.ok(ready.memoryBytes.wasm > 0 && ready.memoryBytes.heapTotal > 0, JSON.stringify(ready.memoryBytes));
    const [serviceDoc, edgeDoc] = await Promise.all(
      [service.base, edge.base].map(async (b) => await (await fetch(`${b}/openapi.json`)).json()),
    );
    assert.deepEqual(edgeDoc.paths["/v1/classify"], serviceDoc.paths["/v1/classify"], "the same documented operation");
    assert.deepEqual(edgeDoc.components.schemas.ClassifyResponse, serviceDoc.components.schemas.ClassifyResponse);

    const empty = await classify(edge.base, new Uint8Array(0), "image/png");
    assert.equal(empty.status, 400);
    const text = await classify(edge.base, new TextEncoder().encode("not a picture"), "image/png");
    assert.equal(text.status, 415);
    assert.equal((await classify(edge.base, photo, "image/png")).status, 200, "still answering after bad input");
  } finally {
    await edge.stop();
    service.child.kill("SIGTERM");
    await service.child.status;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the edge function refuses an untrusted signer and a host it may not reach, and serves a folder with --parallel reading nothing but it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "alexnet-edge-" });
  const { version, jwk } = await signedInt8(dir);
  const stranger = await writeKeyPair(`${dir}/other-keys`, "stranger");
  const service = await spawnService("services/inference/main.ts", ["--checkpoint", `${dir}/checkpoint`], {
    trustedKeys: `${dir}/keys/trainer.public.jwk`,
  });
  const url = `${service.base}/v1/model/files/${version}/`;
  const edges: Edge[] = [];
  try {
    const untrusting = await serveEdge(
      { ALEXNET_CHECKPOINT: url, ALEXNET_TRUSTED_JWKS: await Deno.readTextFile(stranger.publicPath) },
      { net: [new URL(service.base).host] },
    );
    edges.push(untrusting);
    const refused = await classify(untrusting.base, photo, "image/png");
    assert.equal(refused.status, 503);
    assert.equal(refused.json.error.code, "model_unavailable");
    assert.match(refused.json.error.message, /not among the trusted keys/);

    const fenced = await serveEdge({ ALEXNET_CHECKPOINT: url, ALEXNET_ALLOW_UNSIGNED: "1" }, { net: [] });
    edges.push(fenced);
    const unreachable = await classify(fenced.base, photo, "image/png");
    assert.equal(unreachable.status, 503);
    assert.match(unreachable.json.error.message, /Requires net access to "127\.0\.0\.1:\d+"/);
    assert.equal((await fetch(`${fenced.base}/healthz`)).status, 200, "the function itself keeps running");

    // The SIMD kernels are in the modules: read access to the checkpoint folder only.
    const parallel = await serveEdge(
      { ALEXNET_CHECKPOINT: `${dir}/checkpoint`, ALEXNET_TRUSTED_JWKS: jwk },
      { net: [], read: [`${dir}/checkpoint`] },
      { parallel: true },
    );
    edges.push(parallel);
    const expected = await classify(service.base, photo, "image/png");
    const answers = await Promise.all(Array.from({ length: 6 }, () => classify(parallel.base, photo, "image/png")));
    for (const answer of answers) {
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
      assert.deepEqual(answer.json.predictions, expected.json.predictions);
    }
  } finally {
    for (const edge of edges) await edge.stop();
    service.child.kill("SIGTERM");
    await service.child.status;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the edge function never loads TF.js: int8 checkpoints convolve in int8, float32 and float16 ones in float32", async () => {
  const dir = await Deno.makeTempDir({ prefix: "alexnet-edge-" });
  try {
    const float32 = await tinyCheckpoint("edge", "20261204T000000Z-edge-e001");
    await writeCheckpointDir(`${dir}/float32`, float32);
    await writeCheckpointDir(`${dir}/float16`, await quantizeCheckpoint(float32, "float16"));
    await writeCheckpointDir(`${dir}/int8`, await quantizeCheckpoint(float32, "int8"));
    const cases = [["int8", "int8"], ["float32", "float32"], ["float16", "float32"]] as const;
    for (const [encoding, convolutions] of cases) {
      const tfjs = false;
      const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", `${ROOT}tests/fixtures/tfjs_probe.ts`, `${dir}/${encoding}`],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(code, 0, new TextDecoder().decode(stderr));
      const probe = JSON.parse(new TextDecoder().decode(stdout));
      assert.equal(probe.status, 200);
      assert.deepEqual({ convolutions: probe.convolutions, tfjs: probe.tfjs }, { convolutions, tfjs }, encoding);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
