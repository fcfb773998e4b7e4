/**
 * Batch-1 forward latency of a checkpoint as the predictor runs it (convolutions on the SIMD
 * kernels, fc6–fc8 in the dense head; one thread), in a fresh process so nothing the bench did
 * before weighs on it: `deno run … forward_latency.ts DIR REPEATS` prints `{p50Ms, p99Ms}`. The edge section runs
 * it beside PyTorch's own fresh process, alternating.
 *
 * @module
 */
import { selectBackend, tf } from "../../shared/backend/mod.ts";
import { percentile } from "../../shared/http/mod.ts";
import { loadPredictor } from "../../shared/predictor/mod.ts";

const [dir, repeats = "60"] = Deno.args;
await selectBackend("wasm");
const predictor = await loadPredictor(dir);
const size = predictor.manifest.inputSize;
const x = tf.randomNormal([1, size, size, 3], 0, 1, "float32", 1) as tf.Tensor4D;
const times: number[] = [];
for (let i = 0; i < 5 + Number(repeats); i++) {
  const t = performance.now();
  await predictor.logits(x);
  if (i >= 5) times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ p50Ms: percentile(times, 50), p99Ms: percentile(times, 99) }));
