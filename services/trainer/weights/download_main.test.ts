import assert from "node:assert/strict";
import { taskArgs } from "../../../shared/cli/mod.ts";
import { freePort } from "../../../shared/cli/mod.ts";

Deno.test("weights:download exits 1 with the manual-download advice when the mirror is unreachable", async () => {
  const dir = await Deno.makeTempDir();
  const port = freePort();
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    // The task may reach download.pytorch.org only; the test grants its own loopback server and folder.
    args: [
      ...taskArgs("weights:download", [`--allow-net=127.0.0.1:${port}`, `--allow-read=${dir}`, `--allow-write=${dir}`]),
      "alexnet-owt",
      "--dir",
      dir,
      "--base-url",
      `http://127.0.0.1:${port}/models/`,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stderr);
  assert.equal(code, 1, text);
  assert.match(text, /put it at .*alexnet-owt-7be5be79\.pth/);
  const unknown = await new Deno.Command(Deno.execPath(), {
    args: [...taskArgs("weights:download"), "resnet50"],
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(unknown.code, 2);
});
