/**
 * `deno task bench:kernels`: each WebGPU kernel `shared/backend` registers, timed against the
 * TF.js kernel it replaces on the paper's layer shapes, then a whole training step of both
 * networks with TF.js's kernels and with this project's — on whatever adapter the machine has.
 *
 * @module
 */
import { tf } from "../../shared/backend/mod.ts";
import { selectBackend } from "../../shared/backend/mod.ts";
import { parseFlags, runCli, UsageError } from "../../shared/cli/mod.ts";
import type { Architecture } from "../../shared/checkpoint/mod.ts";
import { AlexNet, SgdMomentum, trainStep } from "../../shared/model/mod.ts";

const USAGE = `Usage: deno task bench:kernels [--batch 4] [--fc-width 0.25] [--step-width 0.25] [--step-input-size 128]
       [--step-batch 16] [--repeats 3] [--only KERNEL,…] [--no-step] [--out FILE.json]

Times each replaced WebGPU kernel (filter gradient, LRN gradient, max-pool gradient, transposed
products) against TF.js's own on AlexNet's shapes at --batch (FC layers at --fc-width: fc6 at
width 1 is larger than a software adapter's 128 MiB binding), and one training step of alexnet-owt
and alexnet both ways (--no-step skips it; --only times just the kernels named). Median of --repeats after a first run; speed-up = TF.js's time / ours.`;

const REPLACED = ["BatchMatMul", "MaxPoolGrad", "Conv2DBackpropFilter", "LRNGrad"];

type Kernels = Map<string, tf.KernelConfig>;

interface KernelCase {
  kernel: string;
  layer: string;
  inputs: () => Record<string, tf.Tensor>;
  attrs: tf.NamedAttrMap;
}

function use(kernels: Kernels): void {
  for (const [name, config] of kernels) {
    tf.unregisterKernel(name, "webgpu");
    tf.registerKernel(config);
  }
}

/** The median time of `repeats` runs; the caller has run it once already (compiling its shaders). */
async function median(repeats: number, run: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

/** The paper's layers (227-pixel input, width 1) at `batch`; FC layers at `fcWidth`. */
function cases(batch: number, fcWidth: number): KernelCase[] {
  const normal = (shape: number[], seed: number, relu = false) => () => {
    const t = tf.randomNormal(shape, 0, 1, "float32", seed);
    return relu ? tf.relu(t) : t;
  };
  const convs = [
    { layer: "conv1", x: [batch, 227, 227, 3], f: [11, 11, 3, 96], s: 4, pad: "valid", out: 55 },
    { layer: "conv2", x: [batch, 27, 27, 96], f: [5, 5, 96, 256], s: 1, pad: "same", out: 27 },
    { layer: "conv3", x: [batch, 13, 13, 256], f: [3, 3, 256, 384], s: 1, pad: "same", out: 13 },
    { layer: "conv4", x: [batch, 13, 13, 384], f: [3, 3, 384, 384], s: 1, pad: "same", out: 13 },
    { layer: "conv5", x: [batch, 13, 13, 384], f: [3, 3, 384, 256], s: 1, pad: "same", out: 13 },
  ];
  const out: KernelCase[] = convs.map((c) => ({
    kernel: "Conv2DBackpropFilter",
    layer: c.layer,
    inputs: () => ({ x: normal(c.x, 1, c.layer !== "conv1")(), dy: normal([batch, c.out, c.out, c.f[3]], 2)() }),
    attrs: { strides: [c.s, c.s], pad: c.pad, dataFormat: "NHWC", filterShape: c.f },
  }));
  for (const [layer, channels, size] of [["lrn1", 96, 55], ["lrn2", 256, 27]] as const) {
    out.push({
      kernel: "LRNGrad",
      layer,
      inputs: () => {
        const x = tf.mul(normal([batch, size, size, channels], 3, true)(), 3);
        return { x, y: tf.localResponseNormalization(x as tf.Tensor4D, 2, 2, 1e-4, 0.75), dy: normal(x.shape, 4)() };
      },
      attrs: { depthRadius: 2, bias: 2, alpha: 1e-4, beta: 0.75 },
    });
  }
  for (const [layer, channels, size] of [["pool1", 96, 55], ["pool2", 256, 27], ["pool5", 256, 13]] as const) {
    const pooled = Math.floor((size - 3) / 2) + 1;
    out.push({
      kernel: "MaxPoolGrad",
      layer,
      inputs: () => {
        const input = normal([batch, size, size, channels], 5, true)();
        const output = tf.maxPool(input as tf.Tensor4D, 3, 2, "valid");
        return { dy: normal([batch, pooled, pooled, channels], 6)(), input, output };
      },
      attrs: { filterSize: [3, 3], strides: [2, 2], pad: "valid" },
    });
  }
  const fc6In = Math.round(9216 * fcWidth), fc6Out = Math.round(4096 * fcWidth);
  out.push(
    {
      kernel: "BatchMatMul",
      layer: `fc6 weight gradient xᵀ·dy (width ${fcWidth})`,
      inputs: () => ({ a: normal([1, batch, fc6In], 7)(), b: normal([1, batch, fc6Out], 8)() }),
      attrs: { transposeA: true, transposeB: false },
    },
    {
      kernel: "BatchMatMul",
      layer: `fc6 input gradient dy·Wᵀ (width ${fcWidth})`,
      inputs: () => ({ a: normal([1, batch, fc6Out], 8)(), b: normal([1, fc6In, fc6Out], 9)() }),
      attrs: { transposeA: false, transposeB: true },
    },
  );
  return out;
}

interface KernelRow {
  kernel: string;
  layer: string;
  tfjsMs: number;
  oursMs: number;
  ratio: number;
  /** max |ours − TF.js| / max |TF.js|. */
  difference: number;
}

async function timeKernel(c: KernelCase, tfjs: Kernels, ours: Kernels, repeats: number): Promise<KernelRow> {
  const inputs = c.inputs();
  const run = async (kernels: Kernels) => {
    use(kernels);
    const out = tf.engine().runKernel(c.kernel, inputs, c.attrs) as tf.Tensor;
    const values = (await out.data()) as Float32Array;
    out.dispose();
    return values;
  };
  try {
    const [a, b] = [await run(tfjs), await run(ours)];
    let diff = 0, ref = 0;
    for (let i = 0; i < a.length; i++) {
      diff = Math.max(diff, Math.abs(b[i] - a[i]));
      ref = Math.max(ref, Math.abs(a[i]));
    }
    const tfjsMs = await median(repeats, () => run(tfjs));
    const oursMs = await median(repeats, () => run(ours));
    return { kernel: c.kernel, layer: c.layer, tfjsMs, oursMs, ratio: tfjsMs / oursMs, difference: diff / (ref || 1) };
  } finally {
    tf.dispose(Object.values(inputs));
  }
}

interface StepRow {
  arch: Architecture;
  inputSize: number;
  width: number;
  batch: number;
  tfjsImagesPerSec: number;
  oursImagesPerSec: number;
}

async function timeStep(
  arch: Architecture,
  options: { inputSize: number; width: number; batch: number; repeats: number },
  tfjs: Kernels,
  ours: Kernels,
): Promise<StepRow> {
  const { inputSize, width, batch, repeats } = options;
  const model = AlexNet.create({ arch, numClasses: 1000, inputSize, width, seed: 1 });
  const x = tf.randomNormal([batch, inputSize, inputSize, 3]) as tf.Tensor4D;
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 1000), "int32"), 1000);
  const sgd = new SgdMomentum({ learningRate: 0.001, momentum: 0.9, weightDecay: 5e-4 });
  try {
    const rate = async (kernels: Kernels) => {
      use(kernels);
      await trainStep(model, sgd, x, y);
      return batch / ((await median(repeats, () => trainStep(model, sgd, x, y))) / 1000);
    };
    return { arch, inputSize, width, batch, tfjsImagesPerSec: await rate(tfjs), oursImagesPerSec: await rate(ours) };
  } finally {
    sgd.dispose();
    model.dispose();
    tf.dispose([x, y]);
  }
}

async function main(args: string[]): Promise<number> {
  const { values } = parseFlags({
    args,
    options: {
      batch: { type: "string", default: "4" },
      "fc-width": { type: "string", default: "0.25" },
      "step-width": { type: "string", default: "0.25" },
      "step-input-size": { type: "string", default: "128" },
      "step-batch": { type: "string", default: "16" },
      repeats: { type: "string", default: "3" },
      only: { type: "string", default: REPLACED.join(",") },
      "no-step": { type: "boolean" },
      out: { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const positive = (flag: string, value: string, integer: boolean) => {
    const n = Number(value);
    if (!(n > 0) || (integer && !Number.isInteger(n))) {
      throw new UsageError(`--${flag} must be a positive ${integer ? "integer" : "number"}, got "${value}"`);
    }
    return n;
  };
  const batch = positive("batch", values.batch!, true);
  const fcWidth = positive("fc-width", values["fc-width"]!, false);
  const stepWidth = positive("step-width", values["step-width"]!, false);
  const stepInput = positive("step-input-size", values["step-input-size"]!, true);
  const stepBatch = positive("step-batch", values["step-batch"]!, true);
  const repeats = positive("repeats", values.repeats!, true);
  const only = values.only!.split(",").map((k) => k.trim());
  const unknown = only.filter((k) => !REPLACED.includes(k));
  if (unknown.length > 0) throw new UsageError(`--only takes ${REPLACED.join(", ")}; got ${unknown.join(", ")}`);

  // TF.js's own kernels, captured before this project's replace them.
  await import("@tensorflow/tfjs-backend-webgpu");
  const tfjs: Kernels = new Map(REPLACED.map((name) => [name, tf.getKernel(name, "webgpu")!]));
  await selectBackend("webgpu");
  const ours: Kernels = new Map(REPLACED.map((name) => [name, tf.getKernel(name, "webgpu")!]));
  const info = (await navigator.gpu.requestAdapter())?.info;
  const device = info?.description || info?.vendor || "an unnamed adapter";
  console.error(`bench:kernels on ${device}`);

  const kernels: KernelRow[] = [];
  for (const c of cases(batch, fcWidth).filter((c) => only.includes(c.kernel))) {
    console.error(`  ${c.kernel} ${c.layer} …`);
    kernels.push(await timeKernel(c, tfjs, ours, repeats));
  }
  const steps: StepRow[] = [];
  for (const arch of values["no-step"] ? [] : ["alexnet-owt", "alexnet"] as const) {
    console.error(`  training step ${arch} …`);
    const options = { inputSize: stepInput, width: stepWidth, batch: stepBatch, repeats };
    steps.push(await timeStep(arch, options, tfjs, ours));
  }
  use(ours);

  const lines = [
    `WebGPU kernels on ${device}, batch ${batch} (the paper's shapes at 227 px; ms, median of ${repeats}):`,
    "",
    "| kernel | layer | TF.js's ms | ours ms | speed-up | max difference / max |",
    "|---|---|---|---|---|---|",
    ...kernels.map((k) =>
      `| ${k.kernel} | ${k.layer} | ${k.tfjsMs.toFixed(1)} | ${k.oursMs.toFixed(1)} | ${k.ratio.toFixed(2)}× | ${
        k.difference.toExponential(1)
      } |`
    ),
    ...(steps.length === 0 ? [] : [
      "",
      `Training step, batch ${stepBatch}, ${stepInput} px, width ${stepWidth} (images/s):`,
      "",
      "| network | TF.js's kernels | ours | speed-up |",
      "|---|---|---|---|",
      ...steps.map((s) =>
        `| ${s.arch} | ${s.tfjsImagesPerSec.toFixed(2)} | ${s.oursImagesPerSec.toFixed(2)} | ${
          (s.oursImagesPerSec / s.tfjsImagesPerSec).toFixed(2)
        }× |`
      ),
    ]),
  ];
  console.log(lines.join("\n"));
  if (values.out) {
    await Deno.writeTextFile(values.out, JSON.stringify({ device, batch, kernels, steps }, null, 2) + "\n");
  }
  return 0;
}

if (import.meta.main) await runCli(() => main(Deno.args));
