import assert from "node:assert/strict";
import { taskArgs } from "../../shared/cli/mod.ts";

async function run(...args: string[]) {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [...taskArgs("serve:retrieval"), "--nats", "nats://127.0.0.1:1", "--allow-unsigned", ...args],
    env: { NO_COLOR: "1" },
  }).output();
  return { code, stderr: new TextDecoder().decode(stderr).trim() };
}

Deno.test("serve:retrieval refuses bad search, compact and shard flags with exit 2 and one line", async () => {
  for (
    const [args, message] of [
      [["--search", "fuzzy"], /--search must be exact, approximate or compact/],
      [["--search", "compact", "--compact-dims", "600"], /--compact-dims must be an integer from 2 to 512/],
      [["--search", "compact", "--compact-from", "100"], /--compact-from at least twice --compact-dims/],
      [["--search", "compact", "--compact-probes=-1"], /--compact-probes must be an integer ≥ 0/],
      [["--shard", "3/3"], /--shard must be I\/N with 0 ≤ I < N/],
      [["--shard", "one"], /--shard must be I\/N/],
      [["--shard", "0/2", "--shard-timeout-ms", "0"], /--shard-timeout-ms must be a number ≥ 1/],
    ] as const
  ) {
    const { code, stderr } = await run(...args);
    assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
    assert.match(stderr, message);
    assert.equal(stderr.split("\n").length, 1, stderr);
  }
});
