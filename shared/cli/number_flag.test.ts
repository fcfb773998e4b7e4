import assert from "node:assert/strict";
import { numberFlag } from "./number_flag.ts";
import { UsageError } from "./usage_error.ts";

Deno.test("numberFlag takes numbers in range and names the flag and the rule otherwise", () => {
  assert.equal(numberFlag("k", "10", { min: 1 }), 10);
  assert.equal(numberFlag("rate", "0.5", { integer: false, max: 1 }), 0.5);
  const refused = (value: string | undefined, pattern: RegExp) =>
    assert.throws(
      () => numberFlag("dims", value, { min: 2, max: 512 }),
      (e: Error) => e instanceof UsageError && pattern.test(e.message),
    );
  refused("600", /^--dims must be an integer from 2 to 512, got "600"$/);
  refused("2.5", /an integer/);
  refused("", /got ""/);
  refused(undefined, /got "undefined"/);
  refused("NaN", /got "NaN"/);
});
