import assert from "node:assert/strict";
import { listFlag } from "./list_flag.ts";
import { UsageError } from "./usage_error.ts";

Deno.test("listFlag splits on commas, drops blanks, and names the first unknown name and the choices", () => {
  assert.deepEqual(listFlag("variant", " default, reduced ,,", ["default", "reduced"]), ["default", "reduced"]);
  assert.deepEqual(listFlag("variant", "", ["default"]), []);
  assert.throws(
    () => listFlag("variant", "default,nope,worse", ["default", "reduced"]),
    (e) => e instanceof UsageError && e.message === "unknown variant nope; choose from default, reduced",
  );
});
