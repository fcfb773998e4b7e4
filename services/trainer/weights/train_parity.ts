/**
 * Training step for step against PyTorch (`deno task verify:torch --train`), for AlexNet-OWT and the
 * paper's AlexNet (LRN, two towers as grouped convolutions, ceil pooling): both start from
 * the same weights (this model's, handed to PyTorch as `.npy` in the project's layouts and
 * converted there), take the same batches (augmentation off; dropout off, or on with this
 * model's masks handed to PyTorch so both drop the same units) and run K steps of SGD with momentum and weight decay (lr 0.01, 0.9, 5e-4: the paper's); the
 * losses of every step and every weight after step 1 and after step K are compared. The
 * project's optimizer leaves biases out of the weight decay, so PyTorch's is set up the same way.
 *
 * @module
 */
import { activeTfjsBackend, tf } from "../../../shared/backend/mod.ts";
import { relativeError } from "../../../shared/codec/mod.ts";
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
  /** Dropout on, each step's masks drawn here from a seed and handed to PyTorch. */
  dropout?: boolean;
  /**
   * Also run PyTorch from the same weights perturbed by 1e-7 (float32's rounding): how far
   * PyTorch drifts from itself is the floor a comparison over many steps can be held to.
   */
  calibrate?: boolean;
  /**
   * Also run PyTorch in float64 from the same start: how far ours and PyTorch's float32 run each are
   * from exact arithmetic; and once more in float64 with the ReLU units float32 cannot place flipped
   * (those within 4× float32's error of 0: one such unit of conv3 carries 2% of its bias gradient
   * at full size), which says how far those units alone move the weights.
   */
  reference?: boolean;
}

/** Losses, weights after step 1 and K, and the updates, of one run against PyTorch's. */
export interface ParityErrors {
  /** Per step: |a − PyTorch's| / |PyTorch's|. */
  lossErrors: number[];
  /** Largest max|Δ|/max|w| over the weight tensors, and which tensor, after step 1 and step K. */
  weights: { afterFirst: { error: number; tensor: string }; afterLast: { error: number; tensor: string } };
  /** The same measure on the change of each weight over the run (w_K − w_0): the updates themselves. */
  updates: { error: number; tensor: string };
  /** max|Δ|/max|w| of every tensor (in the network's weight order), after step 1, after step K, of the updates. */
  perTensor: { names: string[]; afterFirst: number[]; afterLast: number[]; updates: number[] };
}

/** Losses of both, and how far ours are from PyTorch's (and, calibrated, PyTorch's from itself). */
export interface TrainParityResult extends ParityErrors {
  losses: { ours: number[]; torch: number[] };
  /** PyTorch from weights perturbed by 1e-7 against PyTorch: the floor (with `calibrate`). */
  floor?: ParityErrors;
  /**
   * Against PyTorch in float64 (with `reference`): ours, PyTorch's float32 run, and float64 with
   * every ReLU unit float32 could put on the other side of its kink flipped.
   */
  reference?: { ours: ParityErrors; torch: ParityErrors; kinks: ParityErrors };
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

/** Every measure of a comparison, named: each step's loss, then each tensor after step 1, after step K, its update. */
function measures(errors: ParityErrors): [string, number][] {
  const { names, afterFirst, afterLast, updates } = errors.perTensor;
  return [
    ...errors.lossErrors.map((e, i): [string, number] => [`loss at step ${i + 1}`, e]),
    ...names.map((n, i): [string, number] => [`${n} after step 1`, afterFirst[i]]),
    ...names.map((n, i): [string, number] => [`${n} after the last step`, afterLast[i]]),
    ...names.map((n, i): [string, number] => [`${n}'s update`, updates[i]]),
  ];
}

/**
 * The measures a result fails — each step's loss; every tensor after step 1, after step K, and its
 * update — each held to 1e-3 of PyTorch's, or, calibrated, to 4× PyTorch's own drift on the same
 * measure where that is larger (over many steps of random labels PyTorch drifts from itself,
 * started from weights perturbed by float32's rounding, further than 1e-3). With a float64
 * reference a measure also passes when ours is no further from float64 than 1e-3, or 4× PyTorch's
 * float32 run is, or 4× flipping the ReLU units within float32's reach of their kink moves it:
 * a unit whose input float32 cannot place on either side of 0 passes or blocks its whole gradient,
 * in PyTorch's float32 as in ours. Empty: it passes.
 */
export function parityFailures(result: TrainParityResult): string[] {
  const limit = (drift: number | undefined) => Math.max(TRAIN_PARITY_TOLERANCE, FLOOR_FACTOR * (drift ?? 0));
  const floor = result.floor && measures(result.floor);
  const reference = result.reference &&
    {
      ours: measures(result.reference.ours),
      torch: measures(result.reference.torch),
      kinks: measures(result.reference.kinks),
    };
  return measures(result).flatMap(([what, error], i) => {
    if (error <= limit(floor?.[i][1])) return [];
    const e = reference && { ours: reference.ours[i][1], torch: reference.torch[i][1], kinks: reference.kinks[i][1] };
    if (e && e.ours <= limit(Math.max(e.torch, e.kinks))) return [];
    const against64 = e
      ? ` (against float64: ours ${e.ours.toExponential(2)}, PyTorch's ${e.torch.toExponential(2)}, ` +
        `kinks flipped ${e.kinks.toExponential(2)})`
      : "";
    return [`${what} ${error.toExponential(2)} > ${limit(floor?.[i][1]).toExponential(2)}${against64}`];
  });
}

/** PyTorch's K steps on the files in `dir`. */
async function runTorch(options: TrainParityOptions, dir: string, flags: string[] = []): Promise<void> {
  const torch = await new Deno.Command(options.python, {
    args: [SCRIPT, "--dir", dir, "--threads", String(options.threads ?? 0), ...flags],
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

/** max|Δ|/max|ref| of each tensor. */
const tensorErrors = (ours: Float32Array[], theirs: Float32Array[]) =>
  ours.map((values, i) => relativeError(values, theirs[i]));

/** The tensor with the largest error, and that error. */
function worst(errors: number[], names: string[]): { error: number; tensor: string } {
  const i = errors.reduce((best, e, k) => (e > errors[best] ? k : best), 0);
  return { error: errors[i], tensor: names[i] };
}

/** How far run `a` is from the reference run `ref`, both started from `start`. */
function compare(a: RunOutcome, ref: RunOutcome, start: Float32Array[], names: string[]): ParityErrors {
  const change = (after: Float32Array[]) => after.map((w, i) => w.map((v, k) => v - start[i][k]));
  const perTensor = {
    names,
    afterFirst: tensorErrors(a.afterFirst, ref.afterFirst),
    afterLast: tensorErrors(a.afterLast, ref.afterLast),
    updates: tensorErrors(change(a.afterLast), change(ref.afterLast)),
  };
  return {
    lossErrors: a.losses.map((l, i) => Math.abs(l - ref.losses[i]) / Math.abs(ref.losses[i])),
    weights: { afterFirst: worst(perTensor.afterFirst, names), afterLast: worst(perTensor.afterLast, names) },
    updates: worst(perTensor.updates, names),
    perTensor,
  };
}

/** The run's inputs as both sides read them: batches, labels, dropout masks (as .npy in `dir`). */
interface ParityInputs {
  batches: { x: Float32Array; labels: Int32Array }[];
  /** Every file PyTorch reads besides the weights. */
  files: string[];
  stepSeed: (step: number) => number;
}

/** Writes the starting weights, the seeded batches and (with dropout) each step's masks, and the spec. */
async function writeInputs(options: TrainParityOptions, model: AlexNet, start: Float32Array[]): Promise<ParityInputs> {
  const { dir, inputSize: size, batch, steps, classes } = options;
  const shapes = model.network.weights.map((w) => w.shape as number[]);
  await Promise.all(start.map((values, i) => Deno.writeFile(`${dir}/w_${i}.npy`, writeNpy(shapes[i], values))));
  const dropoutShapes = model.network.layers.filter((l) => l.getClassName() === "Dropout")
    .map((l) => [batch, ...(l.outputShape as number[]).slice(1)]);
  const stepSeed = (s: number) => options.seed * 1000 + s;
  let state = options.seed >>> 0;
  const nextLabel = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) % classes);
  const batches: { x: Float32Array; labels: Int32Array }[] = [];
  const files = ["spec.json"];
  for (let s = 0; s < steps; s++) {
    const x = tf.randomNormal([batch, size, size, 3], 0, 1, "float32", stepSeed(s));
    const values = (await x.data()) as Float32Array;
    x.dispose();
    const labels = Int32Array.from({ length: batch }, nextLabel);
    batches.push({ x: values, labels });
    await Deno.writeFile(`${dir}/x_${s}.npy`, writeNpy([batch, size, size, 3], values));
    await Deno.writeFile(`${dir}/y_${s}.npy`, writeNpy([batch], Float32Array.from(labels)));
    files.push(`x_${s}.npy`, `y_${s}.npy`);
    if (!options.dropout) continue;
    // The masks TF.js's Dropout layer draws for seed + k (setDropoutSeed), redrawn here: the same
    // multiplier ⌊u + keep⌋ / keep from the same seeded uniform numbers.
    for (const [k, shape] of dropoutShapes.entries()) {
      const mask = tf.tidy(() => tf.randomUniform(shape, 0, 1, "float32", stepSeed(s) + k).add(0.5).floor().div(0.5));
      await Deno.writeFile(`${dir}/m_${s}_${k}.npy`, writeNpy(shape, (await mask.data()) as Float32Array));
      mask.dispose();
      files.push(`m_${s}_${k}.npy`);
    }
  }
  const names = model.network.weights.map((w) => w.originalName);
  await Deno.writeTextFile(
    `${dir}/spec.json`,
    JSON.stringify({ arch: options.arch, lrn: LRN_DEFAULTS, names, steps, dropout: !!options.dropout, ...SGD }),
  );
  return { batches, files, stepSeed };
}

/** Our K steps on the same batches (and masks): every loss, the weights after step 1 and after the last. */
async function ourSteps(options: TrainParityOptions, model: AlexNet, sgd: SgdMomentum, inputs: ParityInputs) {
  const { inputSize: size, batch, classes } = options;
  const losses: number[] = [];
  let afterFirst: Float32Array[] = [];
  for (const [s, { x, labels }] of inputs.batches.entries()) {
    const xt = tf.tensor4d(x, [batch, size, size, 3]);
    const y = tf.oneHot(tf.tensor1d(labels, "int32"), classes);
    try {
      const step = options.dropout ? { dropout: true, dropoutSeed: inputs.stepSeed(s) } : { dropout: false };
      losses.push((await trainStep(model, sgd, xt, y, step)).loss);
    } finally {
      tf.dispose([xt, y]);
    }
    if (s === 0) afterFirst = await model.weightArrays();
  }
  return { losses, afterFirst, afterLast: await model.weightArrays() };
}

/**
 * The references beside PyTorch's run (see {@linkcode TrainParityResult}): PyTorch from weights
 * perturbed by 1e-7 (`calibrate`), and PyTorch in float64, plain and with near-kink ReLUs flipped
 * (`reference`). Each re-runs PyTorch in a folder of its own on the same batches.
 */
async function references(
  options: TrainParityOptions,
  model: AlexNet,
  start: Float32Array[],
  files: string[],
  runs: { ours: RunOutcome; torch: RunOutcome },
  log: (line: string) => void,
): Promise<Pick<TrainParityResult, "floor" | "reference">> {
  const { dir, steps } = options;
  const names = model.network.weights.map((w) => w.originalName);
  const shapes = model.network.weights.map((w) => w.shape as number[]);
  const torchAgain = async (sub: string, flags: string[], weights = start) => {
    await Deno.mkdir(`${dir}/${sub}`, { recursive: true });
    for (const file of files) await Deno.copyFile(`${dir}/${file}`, `${dir}/${sub}/${file}`);
    await Promise.all(weights.map((w, i) => Deno.writeFile(`${dir}/${sub}/w_${i}.npy`, writeNpy(shapes[i], w))));
    await runTorch(options, `${dir}/${sub}`, flags);
    return await readTorch(`${dir}/${sub}`, names, steps);
  };
  const out: Pick<TrainParityResult, "floor" | "reference"> = {};
  if (options.calibrate) {
    log(`PyTorch from weights perturbed by 1e-7: ${steps} steps …`);
    let noise = 12345;
    const jitter = () => ((noise = (Math.imul(noise, 1664525) + 1013904223) >>> 0) / 2 ** 31 - 1) * 1e-7;
    const perturbed = await torchAgain("perturbed", [], start.map((values) => values.map((v) => v * (1 + jitter()))));
    out.floor = compare(perturbed, runs.torch, start, names);
  }
  if (options.reference) {
    log(`PyTorch in float64: ${steps} steps …`);
    const exact = await torchAgain("float64", ["--double"]);
    log(`PyTorch in float64, ReLUs within 4× float32's error of their kink flipped: ${steps} steps …`);
    const kinks = await torchAgain("float64-kinks", ["--double", "--flip-kinks", String(FLOOR_FACTOR)]);
    out.reference = {
      ours: compare(runs.ours, exact, start, names),
      torch: compare(runs.torch, exact, start, names),
      kinks: compare(kinks, exact, start, names),
    };
  }
  return out;
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
  const { dir, steps } = options;
  const model = AlexNet.create({
    arch: options.arch,
    groups: options.arch === "alexnet" ? 2 : 1,
    numClasses: options.classes,
    inputSize: options.inputSize,
    width: options.width,
    seed: options.seed,
  });
  const sgd = new SgdMomentum(SGD);
  try {
    const names = model.network.weights.map((w) => w.originalName);
    const start = await model.weightArrays();
    const inputs = await writeInputs(options, model, start);
    log(`PyTorch: ${steps} steps …`);
    await runTorch(options, dir);
    log(`ours (${activeTfjsBackend()}): ${steps} steps …`);
    const ours = await ourSteps(options, model, sgd, inputs);
    const torch = await readTorch(dir, names, steps);
    return {
      losses: { ours: ours.losses, torch: torch.losses },
      ...compare(ours, torch, start, names),
      ...await references(options, model, start, inputs.files, { ours, torch }, log),
    };
  } finally {
    sgd.dispose();
    model.dispose();
  }
}
