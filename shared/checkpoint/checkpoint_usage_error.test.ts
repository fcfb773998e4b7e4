import assert from "node:assert/strict";
import { UsageError } from "../cli/usage_error.ts";
import { CheckpointDigestError, CheckpointFormatError } from "./checkpoint_files.ts";
import { CheckpointSignatureError } from "./checkpoint_signature.ts";
import { asCheckpointUsageError } from "./checkpoint_usage_error.ts";

Deno.test("a checkpoint that cannot be used becomes a one-line usage error naming where it was", () => {
  for (
    const error of [
      new CheckpointFormatError("no manifest"),
      new CheckpointDigestError("bad digest"),
      new CheckpointSignatureError("unsigned"),
    ]
  ) {
    const usage = asCheckpointUsageError("runs/x/best", error);
    assert.ok(usage instanceof UsageError);
    assert.equal(usage.message, `runs/x/best: ${error.message}`);
  }
  const named = asCheckpointUsageError("runs/x", new CheckpointFormatError("runs/x is not a checkpoint"));
  assert.equal((named as Error).message, "runs/x is not a checkpoint");
});

Deno.test("other errors pass through unchanged", () => {
  const error = new RangeError("out of memory");
  assert.equal(asCheckpointUsageError("runs/x", error), error);
});
