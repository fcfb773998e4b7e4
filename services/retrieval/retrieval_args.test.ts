import assert from "node:assert/strict";
import { UsageError } from "../../shared/cli/mod.ts";
import { parseRetrievalArgs, type RetrievalConfig } from "./retrieval_args.ts";

const parse = (...args: string[]) => parseRetrievalArgs(["--nats", "nats://127.0.0.1:1", ...args]) as RetrievalConfig;

Deno.test("retrieval flags parse into a typed config with the documented defaults", () => {
  const config = parse("--port", "0", "--instance", "a b", "--search", "compact", "--compact-whiten", "--shard", "1/3");
  assert.equal(config.port, 0);
  assert.equal(config.instance, "a_b", "a durable consumer name needs no spaces");
  assert.equal(config.layer, "fc7");
  assert.equal(config.search, "compact");
  assert.deepEqual([config.compact.from, config.compact.settings.dims], [5000, 256]);
  assert.equal(config.compact.settings.whiten, true);
  assert.equal(config.compact.targetRecall, 0.95);
  assert.deepEqual(config.shard, { index: 1, count: 3 });
  assert.deepEqual([config.k, config.maxBodyBytes, config.maxPixels], [10, 20 * 2 ** 20, 40e6]);
  assert.equal(parseRetrievalArgs(["--help"]), "help");
});

Deno.test("retrieval flags: every bad value is a usage error naming the flag", () => {
  for (
    const [args, message] of [
      [[], /--nats URL is required/],
      [["--layer", "fc8"], /--layer must be fc7, fc6 or pool5, got "fc8"/],
      [["--k", "0"], /--k must be an integer ≥ 1, got "0"/],
      [["--port", "http"], /--port must be an integer ≥ 0/],
      [["--max-body-mb", "0"], /--max-body-mb must be a number ≥ 0.001/],
      [["--compact-probes", "1.5"], /--compact-probes must be an integer ≥ 0 \(0: one list in 8\)/],
      [["--target-recall", "1.5"], /--target-recall must be a number from 0 to 1 \(0: off\)/],
    ] as const
  ) {
    const full = args.length === 0 ? [] : ["--nats", "nats://127.0.0.1:1", ...args];
    assert.throws(
      () => parseRetrievalArgs([...full]),
      (e: Error) => e instanceof UsageError && message.test(e.message),
    );
  }
});
