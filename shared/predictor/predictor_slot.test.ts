import assert from "node:assert/strict";
import { selectBackend } from "../backend/select_backend.ts";
import { encodeCheckpoint } from "../codec/checkpoint_codec.ts";
import { sampleManifestInfo } from "../checkpoint/sample_manifest_info.ts";
import { AlexNet } from "../model/alexnet.ts";
import { loadPredictor } from "./load_predictor.ts";
import type { Predictor } from "./predictor.ts";
import { NoModelError, PredictorSlot, type Served } from "./predictor_slot.ts";

await selectBackend("wasm");

const model = AlexNet.create({ arch: "alexnet-owt", numClasses: 2, inputSize: 63, width: 0.25, seed: 1 });
const files = await encodeCheckpoint(model, sampleManifestInfo({ name: "slot", classNames: ["cat", "dog"] }));
model.dispose();

Deno.test("a swapped-out predictor lives until its last request ends, then is freed with what it carries", async () => {
  const released: string[] = [];
  const slot = new PredictorSlot<Served & { tag: string }>();
  await assert.rejects(slot.use(() => Promise.resolve()), NoModelError);
  // A disposed predictor's network refuses to hand out its weights.
  const alive = (predictor: Predictor) => predictor.kernel("conv1").then(() => true, () => false);
  const a = await loadPredictor(files), b = await loadPredictor(files);
  slot.swap({ predictor: a, tag: "a", release: () => released.push("a") });
  let finish!: () => void;
  const inFlight = slot.use((served) => new Promise<string>((resolve) => (finish = () => resolve(served.tag))));
  slot.swap({ predictor: b, tag: "b", release: () => released.push("b") });
  assert.equal(slot.current?.tag, "b");
  assert.ok(await alive(a), "the old predictor stays while a request uses it");
  assert.deepEqual(released, []);
  finish();
  assert.equal(await inFlight, "a", "the request finished on the predictor it started with");
  assert.deepEqual(released, ["a"]);
  assert.deepEqual([await alive(a), await alive(b)], [false, true]);
  slot.close();
  assert.deepEqual(released, ["a", "b"]);
  assert.equal(await alive(b), false);
  assert.equal(slot.current, null);
});
