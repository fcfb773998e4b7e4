/**
 * One member of the data-parallel pool ({@linkcode DataParallelPool}), run as a Web Worker
 * with its own WASM instance (Deno's WASM backend is single-threaded, so this is how training
 * uses a second core). It holds a replica of the network; per step it computes the gradients
 * of its share of the batch into its slot of a shared buffer, then — once every member is done —
 * averages all slots (weighted by share, with backend ops) and applies the same SGD update as every other member,
 * so the replicas stay identical without ever copying weights.
 *
 * @module
 */
import "../backend/training_ops.ts"; // gradients
import * as tf from "../backend/tensorflow.ts";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { selectBackend } from "../backend/select_backend.ts";
import { AlexNet } from "./alexnet.ts";
import type { AlexNetSpec } from "./build_alexnet.ts";
import { SgdMomentum, type SgdMomentumOptions } from "./sgd_momentum.ts";

/** Messages the pool sends. */
export type WorkerRequest =
  | {
    type: "init";
    spec: AlexNetSpec;
    weights: Float32Array[];
    frozen: string[];
    sgd: SgdMomentumOptions;
    gradients: SharedArrayBuffer;
    slot: number;
  }
  | { type: "grad"; x: Float32Array; labels: Int32Array; numClasses: number; dropout: boolean; dropoutSeed?: number }
  | { type: "reduce"; shares: number[]; from: number; to: number }
  | { type: "apply"; learningRate: number }
  | { type: "weights" };

/** Messages a worker answers with. */
export type WorkerReply =
  | { type: "ready"; parameters: number }
  | { type: "grad"; loss: number; predicted: Int32Array }
  | { type: "reduced" }
  | { type: "applied" }
  | { type: "weights"; weights: Float32Array[] }
  | { type: "error"; message: string };

/** The trainable variables in a fixed order, and where each lives in a gradient slot. */
export function trainableLayout(model: AlexNet): { variables: tf.Variable[]; offsets: number[]; total: number } {
  const variables = model.network.trainableWeights.map((w) => w.read() as tf.Variable);
  const offsets: number[] = [];
  let total = 0;
  for (const v of variables) {
    offsets.push(total);
    total += v.size;
  }
  return { variables, offsets, total };
}

/**
 * Copies a tensor's values into `target` at `offset`, straight from the WASM heap (one copy, no
 * intermediate array of the gradient's size). Replicas always run the WASM backend.
 */
function copyInto(tensor: tf.Tensor, target: Float32Array, offset: number): void {
  target.set((tf.backend() as BackendWasm).typedArrayFromHeap(tensor) as Float32Array, offset);
}

/**
 * Slot 0 ← Σ_w share_w · slot_w over elements [from, to) of a buffer holding one slot of
 * `slotSize` floats per member; members with share 0 (no images this step) are skipped.
 */
export function meanOfSlots(all: Float32Array, slotSize: number, shares: number[], from: number, to: number): void {
  const used = shares.map((share, w) => ({ share, base: w * slotSize })).filter((m) => m.share > 0);
  const [first, ...rest] = used;
  const out = all.subarray(from, to);
  const head = all.subarray(first.base + from, first.base + to);
  for (let i = 0; i < out.length; i++) out[i] = head[i] * first.share;
  for (const { share, base } of rest) {
    const part = all.subarray(base + from, base + to);
    for (let i = 0; i < out.length; i++) out[i] += part[i] * share;
  }
}

/**
 * The worker's message handler (the entry `replica_worker_entry.ts` wires it to `onmessage`).
 *
 * @example
 * ```ts
 * const handle = createReplicaWorker();
 * const reply = await handle({ type: "weights" });
 * ```
 */
export function createReplicaWorker(): (request: WorkerRequest) => Promise<WorkerReply> {
  let model: AlexNet;
  let sgd: SgdMomentum;
  let layout: ReturnType<typeof trainableLayout>;
  let all: Float32Array;
  let slot = 0;

  return async (request) => {
    switch (request.type) {
      case "init": {
        await selectBackend("wasm");
        model = AlexNet.create(request.spec);
        model.setWeightArrays(request.weights);
        for (const name of request.frozen) model.network.getLayer(name).trainable = false;
        sgd = new SgdMomentum(request.sgd);
        layout = trainableLayout(model);
        all = new Float32Array(request.gradients);
        slot = request.slot;
        return { type: "ready", parameters: layout.total };
      }
      case "grad": {
        const size = model.inputSize;
        const count = request.labels.length;
        const x = tf.tensor4d(request.x, [count, size, size, 3]);
        const y = tf.oneHot(tf.tensor1d(request.labels, "int32"), request.numClasses);
        let predicted: tf.Tensor | null = null;
        model.setDropoutSeed(request.dropoutSeed);
        const { value, grads } = tf.variableGrads(() => {
          const logits = model.logitsTensor(x, request.dropout);
          predicted = tf.keep(tf.argMax(logits, 1));
          return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
        }, layout.variables);
        const base = slot * layout.total;
        for (const [i, v] of layout.variables.entries()) copyInto(grads[v.name], all, base + layout.offsets[i]);
        const loss = (await value.data())[0];
        const classes = (await predicted!.data()) as Int32Array;
        tf.dispose([x, y, value, predicted!, ...Object.values(grads)]);
        return { type: "grad", loss, predicted: classes };
      }
      case "reduce": {
        // This member's part of the all-reduce: the weighted mean of every slot over
        // [from, to), written into slot 0, which the members read whole once all are done.
        meanOfSlots(all, layout.total, request.shares, request.from, request.to);
        return { type: "reduced" };
      }
      case "apply": {
        sgd.learningRate = request.learningRate;
        const grads: tf.NamedTensorMap = {};
        for (const [i, v] of layout.variables.entries()) {
          grads[v.name] = tf.tensor(all.subarray(layout.offsets[i], layout.offsets[i] + v.size), v.shape);
        }
        sgd.apply(grads);
        return { type: "applied" };
      }
      case "weights": {
        return { type: "weights", weights: await model.weightArrays() };
      }
    }
  };
}
