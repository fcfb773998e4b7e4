import assert from "node:assert/strict";
import * as tf from "./tensorflow.ts";
import { BackendUnavailableError, describeBackendChoice } from "./backend_names.ts";
import { selectBackend } from "./select_backend.ts";

Deno.test("auto takes the first rung that starts and gives a reason for every rung it skipped", async () => {
  const choice = await selectBackend("auto");
  assert.equal(tf.getBackend(), choice.tfjsName);
  const ladder = ["tensorflow-gpu", "webgpu", "tensorflow", "native", "wasm", "cpu"];
  const tried = choice.reasons.map((r) => r.split(":")[0]);
  assert.deepEqual(tried, ladder.slice(0, tried.length));
  assert.equal(choice.reasons.at(-1), `${choice.name}: chosen`);
  for (const skipped of choice.reasons.slice(0, -1)) assert.match(skipped, /^[a-z-]+: skipped, .+/);
  assert.match(describeBackendChoice(choice), new RegExp(`^backend ${choice.name} \\(auto: `));
});

Deno.test("tfjs-node that is not installed is a one-line error saying how to install it", async () => {
  let resolvable = true;
  try {
    import.meta.resolve("@tensorflow/tfjs-node");
  } catch {
    resolvable = false;
  }
  if (resolvable) {
    // Installed on this machine: then asking for it must work.
    assert.equal((await selectBackend("tensorflow")).name, "tensorflow");
    return;
  }
  await assert.rejects(selectBackend("tensorflow"), (error) => {
    assert.ok(error instanceof BackendUnavailableError);
    assert.doesNotMatch(error.message, /\n/);
    assert.match(error.message, /deno install --allow-scripts=npm:@tensorflow\/tfjs-node/);
    return true;
  });
  // Nothing else broke: the explicitly requested CPU and WASM backends still start.
  assert.equal((await selectBackend("cpu")).tfjsName, "cpu");
  assert.equal((await selectBackend("wasm")).tfjsName, "wasm");
  const sum = tf.tidy(() => tf.add(tf.scalar(2), tf.scalar(3)).dataSync()[0]);
  assert.equal(sum, 5);
});
