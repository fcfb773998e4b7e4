/**
 * Training step for step against PyTorch (`deno task verify:torch --train`), for AlexNet-OWT and the
 * paper's AlexNet (LRN, two towers as grouped convolutions, ceil pooling): both start from
 * the same weights (this model's, handed to PyTorch as `.npy` in the project's layouts and
 * converted there), take the same batches (augmentation off, dropout off: no masks to share)
 * and run K steps of SGD with momentum and weight decay (lr 0.01, 0.9, 5e-4: the paper's); the
 * losses of every step and every weight after step 1 and after step K are compared. The
 * project's optimizer leaves biases out of the weight decay, so PyTorch's is set up the same way.
 *
 * @module
 */
import { activeTfjsBackend, tf } from "../../../shared/backend/mod.ts";
import { relativeError } from "../../../shared/checkpoint/codec/mod.ts";
import { readNpy, writeNpy } from "../../../shared/checkpoint/mod.ts";
import type { Architecture } from "../../../shared/checkpoint/mod.ts";
import { AlexNet, LRN_DEFAULTS, SgdMomentum, trainStep } from "../../../shared/model/mod.ts";

const SCRIPT = new URL("./torch_train_steps.py", import.meta.url).pathname;

/** The comparison's settings. */
export interface TrainParityOptions {
  python: string;
  /** `alexnet-owt`, or the paper's `alexnet` (LRN, two towers, ceil pooling). */
  arch: Architecture;
  /** Width multiplier (1: the full network). */
  width: number;
  inputSize: number;
  batch: number;
  steps: number;
  classes: number;
  seed: number;
  /** Where the exchanged files go. */
  dir: string;
  /** PyTorch's threads (0: its default). */
  threads?: number;
  /**
   * Also run PyTorch from the same weights perturbed by 1e-7 (float32's rounding): how far
   * PyTorch drifts from itself is the floor a comparison over many steps can be held to.
   */
  calibrate?: boolean;
}

/** Losses, weights after step 1 and K, and the updates, of one run against PyTorch's. */
export interface ParityErrors {
  /** Per step: |a − PyTorch's| / |PyTorch's|. */
  lossErrors: number[];
  /** Largest max|Δ|/max|w| over the weight tensors, and which tensor, after step 1 and step K. */
  weights: { afterFirst: { error: number; tensor: string }; afterLast: { error: number; tensor: string } };
  /** The same measure on the change of each weight over the run (w_K − w_0): the updates themselves. */
  updates: { error: number; tensor: string };
}

/** Losses of both, and how far ours are from PyTorch's (and, calibrated, PyTorch's from itself). */
export interface TrainParityResult extends ParityErrors {
  losses: { ours: number[]; torch: number[] };
  /** PyTorch from weights perturbed by 1e-7 against PyTorch: the floor (with `calibrate`). */
  floor?: ParityErrors;
}

const SGD = { learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4 };

/** What passes: losses, weights and the updates themselves within this relative error of PyTorch's. */
export const TRAIN_PARITY_TOLERANCE = 1e-3;

/** The worst of a result's errors (losses, weights after step 1 and K, updates). */
export function worstTrainError(result: ParityErrors): number {
  return Math.max(
    ...result.lossErrors,
    result.weights.afterFirst.error,
    result.weights.afterLast.error,
    result.updates.error,
  );
}

/** A calibrated run may differ from PyTorch by this many times PyTorch's own drift. */
export const FLOOR_FACTOR = 4;

/**
 * The measures a result fails, each held to 1e-3 or, calibrated, to 4× PyTorch's own drift on
 * the same measure where that is larger (a loss step by step; the weights after step 1 and after
 * step K; the updates): over many steps of random labels PyTorch drifts from itself, started from
 * weights perturbed by float32's rounding, further than 1e-3. Empty: it passes.
 */
export function parityFailures(result: TrainParityResult): string[] {
  const floor = result.floor;
  const limit = (drift: number | undefined) => Math.max(TRAIN_PARITY_TOLERANCE, FLOOR_FACTOR * (drift ?? 0));
  const failures: string[] = [];
  const check = (what: string, error: number, drift: number | undefined) => {
    if (!(error <= limit(drift))) failures.push(`${what} ${error.toExponential(2)} > ${limit(drift).toExponential(2)}`);
  };
  result.lossErrors.forEach((e, i) => check(`loss at step ${i + 1}`, e, floor?.lossErrors[i]));
  check("weights after step 1", result.weights.afterFirst.error, floor?.weights.afterFirst.error);
  check("weights after the last step", result.weights.afterLast.error, floor?.weights.afterLast.error);
  check("updates", result.updates.error, floor?.updates.error);
  return failures;
}

/** PyTorch's K steps on the files in `dir`. */
async function runTorch(options: TrainParityOptions, dir: string): Promise<void> {
  const torch = await new Deno.Command(options.python, {
    args: [SCRIPT, "--dir", dir, "--threads", String(options.threads ?? 0)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!torch.success) throw new Error(`PyTorch's steps failed: ${new TextDecoder().decode(torch.stderr).trim()}`);
}

interface RunOutcome {
  losses: number[];
  afterFirst: Float32Array[];
  afterLast: Float32Array[];
}

/** What PyTorch's run in `dir` wrote: its losses and its weights after step 1 and step K. */
async function readTorch(dir: string, names: string[], steps: number): Promise<RunOutcome> {
  const read = async (step: number) =>
    await Promise.all(
      names.map(async (_, i) => readNpy(await Deno.readFile(`${dir}/torch_after_${step}_${i}.npy`)).data),
    );
  return {
    losses: [...readNpy(await Deno.readFile(`${dir}/torch_losses.npy`)).data],
    afterFirst: await read(1),
    afterLast: await read(steps),
  };
}

/** The tensor with the largest max|Δ|/max|ref|, and that error. */
function worst(ours: Float32Array[], theirs: Float32Array[], names: string[]): { error: number; tensor: string } {
  let error = 0, tensor = names[0];
  ours.forEach((values, i) => {
    const e = relativeError(values, theirs[i]);
    if (e > error) (error = e), (tensor = names[i]);
  });
  return { error, tensor };
}

/** How far run `a` is from the reference run `ref`, both started from `start`. */
function compare(a: RunOutcome, ref: RunOutcome, start: Float32Array[], names: string[]): ParityErrors {
  const change = (after: Float32Array[]) => after.map((w, i) => w.map((v, k) => v - start[i][k]));
  return {
    lossErrors: a.losses.map((l, i) => Math.abs(l - ref.losses[i]) / Math.abs(ref.losses[i])),
    weights: {
      afterFirst: worst(a.afterFirst, ref.afterFirst, names),
      afterLast: worst(a.afterLast, ref.afterLast, names),
    },
    updates: worst(change(a.afterLast), change(ref.afterLast), names),
  };
}

/**
 * @example
 * ```ts
 * const result = await trainParity({ python: "/usr/bin/python3", arch: "alexnet-owt", width: 0.25, inputSize: 67, batch: 4, steps: 3,
 *   classes: 5, seed: 1, dir: await Deno.makeTempDir() });
 * ```
 */
export async function trainParity(
  options: TrainParityOptions,
  log: (line: string) => void = () => {},
): Promise<TrainParityResult> {
  const { dir, inputSize: size, batch, steps, classes } = options;
  const model = AlexNet.create({
    arch: options.arch,
    groups: options.arch === "alexnet" ? 2 : 1,
    numClasses: classes,
    inputSize: size,
    width: options.width,
    seed: options.seed,
  });
  const sgd = new SgdMomentum(SGD);
  try {
    const names = model.network.weights.map((w) => w.originalName);
    const shapes = model.network.weights.map((w) => w.shape as number[]);
    const start = await model.weightArrays();
    await Promise.all(start.map((values, i) => Deno.writeFile(`${dir}/w_${i}.npy`, writeNpy(shapes[i], values))));
    let state = options.seed >>> 0;
    const nextLabel = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) % classes);
    const batches: { x: Float32Array; labels: Int32Array }[] = [];
    for (let s = 0; s < steps; s++) {
      const x = tf.randomNormal([batch, size, size, 3], 0, 1, "float32", options.seed * 1000 + s);
      const values = (await x.data()) as Float32Array;
      x.dispose();
      const labels = Int32Array.from({ length: batch }, nextLabel);
      batches.push({ x: values, labels });
      await Deno.writeFile(`${dir}/x_${s}.npy`, writeNpy([batch, size, size, 3], values));
      await Deno.writeFile(`${dir}/y_${s}.npy`, writeNpy([batch], Float32Array.from(labels)));
    }
    await Deno.writeTextFile(
      `${dir}/spec.json`,
      JSON.stringify({ arch: options.arch, lrn: LRN_DEFAULTS, names, steps, ...SGD }),
    );
    log(`PyTorch: ${steps} steps …`);
    await runTorch(options, dir);
    log(`ours (${activeTfjsBackend()}): ${steps} steps …`);
    const ours: number[] = [];
    let afterFirst: Float32Array[] = [];
    for (const [s, { x, labels }] of batches.entries()) {
      const xt = tf.tensor4d(x, [batch, size, size, 3]);
      const y = tf.oneHot(tf.tensor1d(labels, "int32"), classes);
      try {
        ours.push((await trainStep(model, sgd, xt, y, { dropout: false })).loss);
      } finally {
        tf.dispose([xt, y]);
      }
      if (s === 0) afterFirst = await model.weightArrays();
    }
    const afterLast = await model.weightArrays();
    const torch = await readTorch(dir, names, steps);
    const result: TrainParityResult = {
      losses: { ours, torch: torch.losses },
      ...compare({ losses: ours, afterFirst, afterLast }, torch, start, names),
    };
    if (options.calibrate) {
      log(`PyTorch from weights perturbed by 1e-7: ${steps} steps …`);
      const sub = `${dir}/perturbed`;
      await Deno.mkdir(sub, { recursive: true });
      for (const file of ["spec.json", ...batches.flatMap((_, s) => [`x_${s}.npy`, `y_${s}.npy`])]) {
        await Deno.copyFile(`${dir}/${file}`, `${sub}/${file}`);
      }
      let noise = 12345;
      const jitter = () => ((noise = (Math.imul(noise, 1664525) + 1013904223) >>> 0) / 2 ** 31 - 1) * 1e-7;
      await Promise.all(
        start.map((values, i) =>
          Deno.writeFile(`${sub}/w_${i}.npy`, writeNpy(shapes[i], values.map((v) => v * (1 + jitter()))))
        ),
      );
      await runTorch(options, sub);
      const other = await readTorch(sub, names, steps);
      result.floor = compare(other, torch, start, names);
    }
    return result;
  } finally {
    sgd.dispose();
    model.dispose();
  }
}
