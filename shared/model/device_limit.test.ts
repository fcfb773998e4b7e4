import assert from "node:assert/strict";
import * as tf from "../backend/tensorflow.ts";
import { selectBackend } from "../backend/select_backend.ts";
import { storageBindingLimit } from "../backend/storage_binding_limit.ts";
import { AlexNet, DeviceLimitError } from "./alexnet.ts";

Deno.test("a weight or an activation over the WebGPU binding limit is refused before it can be read as zeros", async () => {
  await selectBackend("webgpu");
  const limit = storageBindingLimit()!;
  assert.ok(limit > 0);
  // fc6's kernel is 9216 × 4096 floats (151 MB) at width 1; scale the width to land just over the limit.
  const width = Math.min(4, Math.sqrt(limit / 150_994_944) * 1.02);
  const wide = AlexNet.create({ arch: "alexnet-owt", numClasses: 2, inputSize: 63, width });
  const x = tf.zeros([1, 63, 63, 3]) as tf.Tensor4D;
  try {
    await assert.rejects(
      wide.logits(x),
      (e: Error) =>
        e instanceof DeviceLimitError && /the fc6 kernel \[\d+,\d+\] is .* over this WebGPU adapter/.test(e.message),
    );
  } finally {
    wide.dispose();
  }
  // A narrow network passes the weights check; a batch whose conv1 output is over the limit does not.
  const narrow = AlexNet.create({ arch: "alexnet-owt", numClasses: 2, inputSize: 63, width: 0.25 });
  try {
    assert.equal((await narrow.logits(x))[0].length, 2);
    const perImage = 15 * 15 * 16 * 4; // conv1's output at 63 px, width 0.25
    const batch = Math.ceil(limit / perImage) + 1;
    assert.throws(() => narrow.assertFitsDevice(batch), /for \d+ images is .* use batches of at most \d+/);
  } finally {
    narrow.dispose();
    x.dispose();
  }
});

Deno.test("backends without a binding limit check nothing", async () => {
  await selectBackend("wasm");
  assert.equal(storageBindingLimit(), null);
  const net = AlexNet.create({ arch: "alexnet-owt", numClasses: 2, inputSize: 63, width: 0.25 });
  net.assertFitsDevice(1_000_000);
  net.dispose();
});
