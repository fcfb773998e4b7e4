/**
 * Least privilege, checked on the real thing: every task but `test` names a permission set of
 * `deno.json` instead of `-A`, and under each service's set the operations it does not need — a
 * write outside its data folders, a subprocess, a native library, an unlisted host, an unlisted
 * variable — are refused by Deno, while what it needs is granted. (The services' own tests start
 * them through their tasks, so they pass under these same sets.)
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { taskArgs } from "../shared/cli/mod.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const CONFIG = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
const PROBE = fileURLToPath(new URL("./fixtures/permission_probe.ts", import.meta.url));

/** What the permission set `name` allows of `actions` (see the probe). */
async function probe(set: string, actions: string[]): Promise<Record<string, string>> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-q", `-P=${set}`, "--config", `${ROOT}deno.json`, PROBE, ...actions],
    cwd: ROOT,
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return JSON.parse(new TextDecoder().decode(stdout));
}

function expect(result: Record<string, string>, wanted: Record<string, "granted" | "refused">): void {
  for (const [action, state] of Object.entries(wanted)) assert.equal(result[action], state, action);
}

Deno.test("no task but test runs with -A; every other deno task names a permission set that exists", () => {
  const sets = Object.keys(CONFIG.permissions);
  for (const [name, command] of Object.entries(CONFIG.tasks as Record<string, string>)) {
    if (name === "test") continue;
    assert.doesNotMatch(command, /(^|\s)(-A|--allow-all)(\s|$)/, `${name}: ${command}`);
    const set = command.match(/-P=([\w-]+)/)?.[1];
    if (/^deno (run|serve)/.test(command)) {
      assert.ok(set && sets.includes(set), `${name} runs with a declared permission set: ${command}`);
    }
  }
  assert.ok(/ -A/.test(CONFIG.tasks.test), "the tests themselves keep -A");
});

Deno.test("the inference and retrieval services may read, listen and reach NATS, and nothing more", async () => {
  const outside = await Deno.makeTempDir();
  for (const set of ["inference", "retrieval"]) {
    expect(
      await probe(set, [
        `write:${outside}/x`,
        `write:${ROOT}runs/.probe`,
        "run:true",
        "ffi:/usr/lib/x86_64-linux-gnu/libdnnl.so.2",
        "env:HOME",
        "env:NATS_URL",
        `read:${ROOT}deno.json`,
        "net:127.0.0.1:9",
      ]),
      {
        [`write:${outside}/x`]: "refused",
        [`write:${ROOT}runs/.probe`]: "refused",
        "run:true": "refused",
        "ffi:/usr/lib/x86_64-linux-gnu/libdnnl.so.2": "refused",
        "env:HOME": "refused",
        "env:NATS_URL": "granted",
        [`read:${ROOT}deno.json`]: "granted",
        "net:127.0.0.1:9": "granted",
      },
    );
  }
  await Deno.remove(outside, { recursive: true });
});

Deno.test("the trainer writes only under its data folders and runs no program", async () => {
  const outside = await Deno.makeTempDir();
  await Deno.mkdir(`${ROOT}runs`, { recursive: true });
  expect(await probe("trainer", [`write:${outside}/x`, `write:${ROOT}runs/.probe`, "run:python3"]), {
    [`write:${outside}/x`]: "refused",
    [`write:${ROOT}runs/.probe`]: "granted",
    "run:python3": "refused",
  });
  // The trainer itself, told to write elsewhere: one line naming the refusal, exit 2.
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [...taskArgs("train"), "--epochs", "1", "--limit", "4", "--width", "0.125", "--out", `${outside}/run`],
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const lines = new TextDecoder().decode(stderr).trim().split("\n");
  assert.equal(code, 2, lines.join("\n"));
  assert.match(lines.at(-1)!, /^error: not permitted: Requires write access to ".*run/);
  await Deno.remove(outside, { recursive: true });
});

Deno.test("experiment:transfer runs python3 (PyTorch's side) and no other program, and writes as the trainer does", async () => {
  const outside = await Deno.makeTempDir();
  await Deno.mkdir(`${ROOT}runs`, { recursive: true });
  expect(
    await probe("experiment", [
      `write:${outside}/x`,
      `write:${ROOT}runs/.probe`,
      "run:python3",
      "run:true",
      "env:HOME",
    ]),
    {
      [`write:${outside}/x`]: "refused",
      [`write:${ROOT}runs/.probe`]: "granted",
      "run:python3": "granted",
      "run:true": "refused",
      "env:HOME": "refused",
    },
  );
  await Deno.remove(outside, { recursive: true });
});

Deno.test("the edge function reads no file, reaches only its listed hosts, reads only its variables", async () => {
  expect(
    await probe("edge", [
      `read:${ROOT}deno.json`,
      `read:${ROOT}node_modules`,
      "net:127.0.0.1:8080",
      "net:127.0.0.2:9",
      `write:${ROOT}runs/.probe`,
      "run:true",
      "env:HOME",
      "env:ALEXNET_CHECKPOINT",
    ]),
    {
      [`read:${ROOT}deno.json`]: "refused",
      [`read:${ROOT}node_modules`]: "refused",
      "net:127.0.0.1:8080": "granted",
      "net:127.0.0.2:9": "refused",
      [`write:${ROOT}runs/.probe`]: "refused",
      "run:true": "refused",
      "env:HOME": "refused",
      "env:ALEXNET_CHECKPOINT": "granted",
    },
  );
});

Deno.test("weights:download reaches download.pytorch.org and no other host", async () => {
  expect(await probe("weights-download", ["net:127.0.0.1:9", "run:true"]), {
    "net:127.0.0.1:9": "refused",
    "run:true": "refused",
  });
});
