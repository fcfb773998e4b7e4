import assert from "node:assert/strict";
import { withScratchNatsServer } from "./nats_server_process.ts";

async function portRefuses(port: number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    return false;
  } catch {
    return true;
  }
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

Deno.test("a scratch server is stopped and its store removed when the body returns or throws", async () => {
  let seen = { port: 0, storeDir: "" };
  const answer = await withScratchNatsServer(async (nats) => {
    seen = { port: nats.port, storeDir: nats.storeDir };
    assert.equal(await portRefuses(nats.port), false, "the server listens while the body runs");
    return 42;
  });
  assert.equal(answer, 42);
  assert.ok(await portRefuses(seen.port));
  assert.equal(await exists(seen.storeDir), false);

  await assert.rejects(
    withScratchNatsServer((nats) => {
      seen = { port: nats.port, storeDir: nats.storeDir };
      return Promise.reject(new Error("the body failed"));
    }),
    /the body failed/,
  );
  assert.ok(await portRefuses(seen.port));
  assert.equal(await exists(seen.storeDir), false);
});

Deno.test("a process told to stop (SIGTERM) stops its scratch server instead of leaving it running", async () => {
  const module = new URL("./nats_server_process.ts", import.meta.url).href;
  const script = `import { withScratchNatsServer } from ${JSON.stringify(module)};
    await withScratchNatsServer(async (nats) => {
      console.log(JSON.stringify({ port: nats.port, storeDir: nats.storeDir }));
      await new Promise(() => {}); // a body that never ends, like a hung benchmark
    });`;
  const child = new Deno.Command(Deno.execPath(), { args: ["eval", script], stdout: "piped", stderr: "null" })
    .spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  const { port, storeDir } = JSON.parse(text);
  assert.equal(await portRefuses(port), false);
  child.kill("SIGTERM");
  const status = await child.status;
  reader.releaseLock();
  await child.stdout.cancel().catch(() => {});
  assert.equal(status.code, 143);
  assert.ok(await portRefuses(port), "the server went with the process");
  assert.equal(await exists(storeDir), false);
});
