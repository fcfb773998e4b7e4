import assert from "node:assert/strict";
import { CheckpointDigestError, type CheckpointFiles, CheckpointFormatError, digestsOf } from "./checkpoint_files.ts";
import { openCheckpoint, readVerifiedFile } from "./checkpoint_source.ts";
import { CheckpointFetchError, urlSource } from "./checkpoint_url.ts";

/** A tiny "checkpoint" (a manifest and two files) served over HTTP, with switches to misbehave. */
function serveFiles(files: CheckpointFiles, status: (path: string) => number = () => 200) {
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const path = decodeURIComponent(new URL(request.url).pathname.replace(/^\/models\/v1\//, ""));
    requests.push(path);
    const bytes = files.get(path);
    const code = status(path);
    if (code !== 200) return new Response("no", { status: code });
    return bytes ? new Response(bytes as BodyInit) : new Response("missing", { status: 404 });
  });
  return { base: `http://127.0.0.1:${server.addr.port}/models/v1/`, requests, server };
}

async function checkpoint(): Promise<CheckpointFiles> {
  const files: CheckpointFiles = new Map([
    ["model.json", new TextEncoder().encode(`{"format":"layers-model"}`)],
    ["group1-shard1of1.bin", Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 251)],
  ]);
  const manifest = {
    schema: "alexnet-edge/checkpoint@1",
    name: "url",
    version: "v1",
    arch: "alexnet-owt",
    inputSize: 63,
    groups: 1,
    classNames: ["a", "b"],
    normalization: { mean: [0, 0, 0], std: [1, 1, 1] },
    resizeSize: 72,
    colourPca: null,
    training: {},
    metrics: {},
    createdAt: new Date().toISOString(),
    files: await digestsOf(files),
  };
  files.set("manifest.json", new TextEncoder().encode(JSON.stringify(manifest)));
  return files;
}

Deno.test("a checkpoint over HTTP is read file by file, verified, and straight into the caller's buffer", async () => {
  const files = await checkpoint();
  const { base, requests, server } = serveFiles(files);
  try {
    const opened = await openCheckpoint(urlSource(base));
    assert.equal(opened.manifest.name, "url");
    const into = new Uint8Array(100_000);
    const shard = await readVerifiedFile(opened, "group1-shard1of1.bin", into);
    // Read straight into the caller's buffer, which the read took over (no chunk allocated).
    assert.ok(into.buffer.detached, "the caller's buffer was taken by the read");
    assert.equal(shard.buffer.byteLength, 100_000, "…and the bytes are in it, not in a copy");
    assert.deepEqual(shard, files.get("group1-shard1of1.bin"));
    const small = new Uint8Array(10);
    const grown = await readVerifiedFile(opened, "group1-shard1of1.bin", small);
    assert.deepEqual(grown, files.get("group1-shard1of1.bin"), "a file larger than the buffer still arrives whole");
    await assert.rejects(
      urlSource(base, { maxFileBytes: 1000 }).readInto!("group1-shard1of1.bin", new Uint8Array(10)),
      (e: Error) => e instanceof CheckpointFetchError && /over the 1000 byte limit/.test(e.message),
    );
    assert.deepEqual(requests, [
      "manifest.json",
      "group1-shard1of1.bin",
      "group1-shard1of1.bin",
      "group1-shard1of1.bin",
    ]);
  } finally {
    await server.shutdown();
  }
});

Deno.test("over HTTP, a missing file, a failing host, an oversized file and a changed file are each refused by name", async () => {
  const files = await checkpoint();
  const changed = new Map(files);
  changed.set("group1-shard1of1.bin", new Uint8Array(70_000));
  const { base, server } = serveFiles(changed, (path) => (path === "model.json" ? 500 : 200));
  try {
    const source = urlSource(base);
    assert.equal(await source.read("signature.json"), null, "404 reads as absent");
    await assert.rejects(
      source.read("model.json"),
      (e: Error) => e instanceof CheckpointFetchError && /answered 500/.test(e.message),
    );
    await assert.rejects(
      urlSource(base, { maxFileBytes: 1000 }).read("group1-shard1of1.bin"),
      (e: Error) => e instanceof CheckpointFetchError && /over the 1000 byte limit/.test(e.message),
    );
    const opened = await openCheckpoint(source);
    await assert.rejects(
      readVerifiedFile(opened, "group1-shard1of1.bin"),
      (e: Error) => e instanceof CheckpointDigestError && /group1-shard1of1\.bin has sha256/.test(e.message),
    );
    await assert.rejects(readVerifiedFile(opened, "../etc/passwd"), CheckpointFormatError);
    await assert.rejects(
      urlSource("http://127.0.0.1:9/nothing/").read("manifest.json"),
      (e: Error) => e instanceof CheckpointFetchError && /could not fetch/.test(e.message),
    );
    assert.throws(() => urlSource("file:///etc/"), /must be http: or https:/);
  } finally {
    await server.shutdown();
  }
});
