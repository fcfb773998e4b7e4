import assert from "node:assert/strict";
import { join } from "node:path";
import { freePort } from "../cli/free_port.ts";
import { sha256Hex } from "./checkpoint_files.ts";
import { downloadWeights, hashPrefixOf, WeightsDownloadError } from "./download_weights.ts";

const payload = await Deno.readFile(new URL("./torch_fixtures/state_dict_zip.pth", import.meta.url));
const prefix = (await sha256Hex(payload)).slice(0, 8);
const fileName = `alexnet-owt-${prefix}.pth`;
const quiet = { write: () => {}, retryDelayMs: 10 };

type Handler = (request: Request, index: number) => Response;

/** A loopback HTTP server; `handler` sees each request and its number (0-based). */
function serve(handler: Handler) {
  const ranges: (string | null)[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, (request) => {
    ranges.push(request.headers.get("range"));
    return handler(request, ranges.length - 1);
  });
  return { url: `http://127.0.0.1:${server.addr.port}/models/${fileName}`, ranges, server };
}

/** Serves `bytes` honouring `Range: bytes=N-` with 206. */
function rangeResponse(request: Request, bytes: Uint8Array): Response {
  const from = Number(/bytes=(\d+)-/.exec(request.headers.get("range") ?? "")?.[1] ?? 0);
  return new Response(bytes.slice(from), {
    status: from > 0 ? 206 : 200,
    headers: {
      "content-length": String(bytes.length - from),
      "content-range": `bytes ${from}-${bytes.length - 1}/${bytes.length}`,
    },
  });
}

/** A body that sends `count` bytes of `bytes`, then breaks the connection. */
function brokenResponse(bytes: Uint8Array, count: number): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes.slice(0, count));
      setTimeout(() => controller.error(new Error("connection reset")), 20);
    },
  });
  return new Response(body, { headers: { "content-length": String(bytes.length) } });
}

Deno.test("the sha256 prefix is read from torch.hub style file names", () => {
  assert.equal(hashPrefixOf("alexnet-owt-7be5be79.pth"), "7be5be79");
  assert.equal(hashPrefixOf("alexnet-owt-4df8aa71.pth"), "4df8aa71");
  assert.equal(hashPrefixOf("alexnet.pth"), null);
});

Deno.test("an interrupted download resumes with a Range request and ends verified", async () => {
  const dir = await Deno.makeTempDir();
  const { url, ranges, server } = serve((request, i) =>
    i === 0 ? brokenResponse(payload, 300_000) : rangeResponse(request, payload)
  );
  try {
    const path = await downloadWeights({ url, dir, ...quiet });
    assert.equal(path, join(dir, fileName));
    assert.deepEqual(await Deno.readFile(path), payload);
    assert.equal(ranges[0], null);
    assert.match(ranges[1] ?? "", /^bytes=\d+-$/);
    assert.ok(Number(/\d+/.exec(ranges[1]!)![0]) > 0, "the second request asked only for the rest");
    await assert.rejects(Deno.stat(`${path}.part`), Deno.errors.NotFound);
    // A second call finds the verified file and does not download again.
    await downloadWeights({ url, dir, ...quiet });
    assert.equal(ranges.length, 2);
  } finally {
    await server.shutdown();
  }
});

Deno.test("a server without Range support makes the download start over, still verified", async () => {
  const dir = await Deno.makeTempDir();
  const { url, server } = serve((_request, i) => i === 0 ? brokenResponse(payload, 100_000) : new Response(payload));
  try {
    assert.deepEqual(await Deno.readFile(await downloadWeights({ url, dir, ...quiet })), payload);
  } finally {
    await server.shutdown();
  }
});

Deno.test("a corrupted download is refused and removed", async () => {
  const dir = await Deno.makeTempDir();
  const corrupt = payload.slice();
  corrupt[1000] ^= 0xff;
  const { url, server } = serve((request) => rangeResponse(request, corrupt));
  try {
    await assert.rejects(
      downloadWeights({ url, dir, ...quiet }),
      (e: Error) => e instanceof WeightsDownloadError && /corrupt/.test(e.message) && e.message.includes(prefix),
    );
    assert.deepEqual([...Deno.readDirSync(dir)], [], "neither the .part nor the file is left behind");
  } finally {
    await server.shutdown();
  }
});

Deno.test("offline, the error says where to put a manually downloaded file", async () => {
  const dir = await Deno.makeTempDir();
  const port = freePort(); // nothing listens there now
  await assert.rejects(
    downloadWeights({ url: `http://127.0.0.1:${port}/models/${fileName}`, dir, ...quiet }),
    (e: Error) => e instanceof WeightsDownloadError && e.message.includes(`put it at ${join(dir, fileName)}`),
  );
});
