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
import * as tf from "@tensorflow/tfjs";
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
    /** Absent for an inference-only replica (no optimizer state, no gradient buffer). */
    sgd?: SgdMomentumOptions;
    gradients: SharedArrayBuffer;
    slot: number;
  }
  | { type: "grad"; x: Float32Array; labels: Int32Array; numClasses: number; dropout: boolean }
  | { type: "apply"; shares: number[]; learningRate: number }
  | { type: "weights" }
  | { type: "infer"; x: Float32Array; count: number };

/** Messages a worker answers with. */
export type WorkerReply =
  | { type: "ready"; parameters: number }
  | { type: "grad"; loss: number; predicted: Int32Array }
  | { type: "applied" }
  | { type: "weights"; weights: Float32Array[] }
  | { type: "infer"; logits: Float32Array }
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
  let sgd: SgdMomentum | null = null;
  let layout: ReturnType<typeof trainableLayout>;
  let all: Float32Array;
  let slot = 0;
  let workers = 1;

  return async (request) => {
    switch (request.type) {
      case "init": {
        await selectBackend("wasm");
        model = AlexNet.create(request.spec);
        model.setWeightArrays(request.weights);
        for (const name of request.frozen) model.network.getLayer(name).trainable = false;
        sgd = request.sgd ? new SgdMomentum(request.sgd) : null;
        layout = trainableLayout(model);
        all = new Float32Array(request.gradients);
        slot = request.slot;
        workers = all.length / layout.total;
        return { type: "ready", parameters: layout.total };
      }
      case "grad": {
        if (!sgd) throw new Error("this replica was started for inference only");
        const size = model.inputSize;
        const count = request.labels.length;
        const x = tf.tensor4d(request.x, [count, size, size, 3]);
        const y = tf.oneHot(tf.tensor1d(request.labels, "int32"), request.numClasses);
        let predicted: tf.Tensor | null = null;
        const { value, grads } = tf.variableGrads(() => {
          const logits = model.logitsTensor(x, request.dropout);
          predicted = tf.keep(tf.argMax(logits, 1));
          return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
        }, layout.variables);
        const base = slot * layout.total;
        for (const [i, v] of layout.variables.entries()) {
          all.set((await grads[v.name].data()) as Float32Array, base + layout.offsets[i]);
        }
        const loss = (await value.data())[0];
        const classes = (await predicted!.data()) as Int32Array;
        tf.dispose([x, y, value, predicted!, ...Object.values(grads)]);
        return { type: "grad", loss, predicted: classes };
      }
      case "apply": {
        if (!sgd) throw new Error("this replica was started for inference only");
        sgd.learningRate = request.learningRate;
        // The weighted mean of every member's slot, computed by the backend (SIMD) rather
        // than in a JavaScript loop: copying each slot into a tensor is the only per-element
        // work done outside WASM.
        const grads: tf.NamedTensorMap = {};
        for (const [i, v] of layout.variables.entries()) {
          grads[v.name] = tf.tidy(() => {
            let mean: tf.Tensor | null = null;
            for (let w = 0; w < workers; w++) {
              const share = request.shares[w];
              if (!share) continue;
              const from = w * layout.total + layout.offsets[i];
              const term = tf.mul(tf.tensor(all.subarray(from, from + v.size), v.shape), share);
              mean = mean ? tf.add(mean, term) : term;
            }
            return mean!;
          });
        }
        sgd.apply(grads);
        return { type: "applied" };
      }
      case "infer": {
        const size = model.inputSize;
        const x = tf.tensor4d(request.x, [request.count, size, size, 3]);
        const out = tf.tidy(() => model.logitsTensor(x, false));
        const logits = (await out.data()) as Float32Array;
        tf.dispose([x, out]);
        return { type: "infer", logits };
      }
      case "weights": {
        return { type: "weights", weights: await model.weightArrays() };
      }
    }
  };
}
