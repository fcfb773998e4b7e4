/**
 * The bench's device section: for one backend and network, inference images/s at several
 * batch sizes, a training step in a tight loop on a resident batch, and the trainer's own
 * epoch (input pipeline, augmentation, step) at the same batch sizes — their ratio says how
 * long the device waits for the host — plus the kernels of one step with their times
 * (`tf.profile`), and the logits checked against WASM on the same weights.
 *
 * @module
 */
import { tf } from "../../shared/backend/mod.ts";
import { deviceHasShaderF16, selectBackend, useHalfPrecision } from "../../shared/backend/mod.ts";
import type { Architecture } from "../../shared/checkpoint/mod.ts";
import { generateShapeDataset } from "../../shared/image/mod.ts";
import { AlexNet, DataParallelPool, SgdMomentum, trainStep } from "../../shared/model/mod.ts";
import { TrainingLoop } from "../../services/trainer/training_loop.ts";
import { relativeError } from "../../shared/codec/mod.ts";
import { medianSeconds } from "./median_seconds.ts";

/** One backend, network and batch size. */
export interface DeviceRow {
  backend: string;
  network: Architecture;
  inputSize: number;
  width: number;
  batch: number;
  /** Data-parallel WASM workers (0: one thread or a device). */
  workers: number;
  inferImagesPerSec: number | null;
  stepImagesPerSec: number | null;
  /** WebGPU with `shader-f16`: the same tight loop with the filter gradients in half precision. */
  stepF16ImagesPerSec: number | null;
  epochImagesPerSec: number | null;
  /** epoch / step: 1 means the trainer keeps the device as busy as a tight loop. */
  epochOverStep: number | null;
  note?: string;
}

/** One kernel call of a training step. */
export interface KernelTiming {
  kernel: string;
  inputShapes: string;
  ms: number;
}

/** How far the `shader-f16` filter gradients stray from float32's on one network. */
export interface HalfPrecisionCheck {
  batch: number;
  /** Per convolution: RMS of (f16 − f32) over RMS of f32, of the filter gradient of one batch. */
  layers: { layer: string; relativeRms: number }[];
  /** Training loss per step from the same start, the same batch, no dropout. */
  lossF32: number[];
  lossF16: number[];
}

/** What to measure. */
export interface DeviceBenchOptions {
  backend: "webgpu" | "wasm" | "native";
  arch: Architecture;
  inputSize: number;
  width: number;
  /** Batch sizes of the training measurements. */
  trainBatches: number[];
  /** Batch sizes of the inference measurements. */
  inferBatches: number[];
  /** WASM: data-parallel workers for the step and the epoch (1: one thread). */
  workers: number;
  repeats: number;
  log: (line: string) => void;
}

const SGD = { learningRate: 0.001, momentum: 0.9, weightDecay: 5e-4 };

/** Tight loop: the same resident batch, step after step. */
async function tightLoop(model: AlexNet, batch: number, options: DeviceBenchOptions): Promise<number> {
  const size = options.inputSize;
  const x = tf.randomNormal([batch, size, size, 3]) as tf.Tensor4D;
  const labels = Array.from({ length: batch }, (_, i) => i % 1000);
  const y = tf.oneHot(tf.tensor1d(labels, "int32"), 1000);
  try {
    if (options.workers > 1) {
      const pool = await DataParallelPool.start(model, { workers: options.workers, sgd: SGD, frozen: [] });
      const values = (await x.data()) as Float32Array;
      try {
        const step = () => pool.step(values, labels, 1000, { dropout: true, learningRate: SGD.learningRate });
        return batch / await medianSeconds(step, 4, options.repeats);
      } finally {
        pool.close();
      }
    }
    const sgd = new SgdMomentum(SGD);
    try {
      return batch / await medianSeconds(() => trainStep(model, sgd, x, y), 2, options.repeats);
    } finally {
      sgd.dispose();
    }
  } finally {
    tf.dispose([x, y]);
  }
}

/** The trainer's loop over 4 batches of generated images: a warm-up epoch, then a timed one. */
async function trainerEpoch(model: AlexNet, batch: number, options: DeviceBenchOptions): Promise<number> {
  const resize = Math.round((options.inputSize * 256) / 224);
  const data = generateShapeDataset(batch, resize, 1); // 4 classes × batch images
  const loop = await TrainingLoop.start(model, data, {
    ...SGD,
    batchSize: batch,
    workers: options.workers,
    seed: 1,
    augmentation: { inputSize: options.inputSize, crop: true, flip: true, pca: null },
  });
  try {
    await loop.epoch(1, 1000, () => {});
    const started = performance.now();
    await loop.epoch(2, 1000, () => {});
    return (4 * batch) / ((performance.now() - started) / 1000);
  } finally {
    loop.close();
  }
}

/** The kernels of one training step, slowest first (kernel and input shapes summed). */
async function stepKernels(model: AlexNet, batch: number, size: number): Promise<KernelTiming[]> {
  const x = tf.randomNormal([batch, size, size, 3]) as tf.Tensor4D;
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 1000), "int32"), 1000);
  const sgd = new SgdMomentum(SGD);
  try {
    await trainStep(model, sgd, x, y);
    const info = await tf.profile(async () => void await trainStep(model, sgd, x, y));
    const sums = new Map<string, KernelTiming>();
    for (const k of info.kernels) {
      const shapes = JSON.stringify(k.inputShapes);
      const key = `${k.name} ${shapes}`;
      const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : NaN;
      const entry = sums.get(key) ?? { kernel: k.name, inputShapes: shapes, ms: 0 };
      entry.ms += ms;
      sums.set(key, entry);
    }
    return [...sums.values()].sort((a, b) => b.ms - a.ms);
  } finally {
    sgd.dispose();
    tf.dispose([x, y]);
  }
}

/** The filter gradients of one batch both ways, then two identical networks trained a few steps each way. */
async function halfPrecisionCheck(model: AlexNet, batch: number, steps: number): Promise<HalfPrecisionCheck> {
  const size = model.inputSize;
  const x = tf.randomNormal([batch, size, size, 3], 0, 1, "float32", 7) as tf.Tensor4D;
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), "int32"), 1000);
  const filterGradients = async (half: boolean): Promise<Map<string, Float32Array>> => {
    useHalfPrecision(half);
    const { value, grads } = tf.variableGrads(() =>
      tf.losses.softmaxCrossEntropy(y, model.network.apply(x, { training: false }) as tf.Tensor) as tf.Scalar
    );
    const out = new Map<string, Float32Array>();
    for (const [name, g] of Object.entries(grads)) {
      if (g.rank === 4) out.set(name, (await g.data()) as Float32Array);
    }
    tf.dispose([value, ...Object.values(grads)]);
    return out;
  };
  const losses = async (half: boolean): Promise<number[]> => {
    const net = AlexNet.create({ ...model.spec, seed: 1 });
    const sgd = new SgdMomentum(SGD);
    useHalfPrecision(half);
    try {
      const out: number[] = [];
      for (let i = 0; i < steps; i++) out.push((await trainStep(net, sgd, x, y, { dropout: false })).loss);
      return out;
    } finally {
      sgd.dispose();
      net.dispose();
    }
  };
  try {
    const single = await filterGradients(false);
    const half = await filterGradients(true);
    const layers = [...single].map(([name, a]) => {
      const b = half.get(name)!;
      let diff = 0, ref = 0;
      for (let i = 0; i < a.length; i++) {
        diff += (b[i] - a[i]) ** 2;
        ref += a[i] ** 2;
      }
      return { layer: name.replace(/\/kernel(_\d+)?$/, ""), relativeRms: Math.sqrt(diff / ref) };
    });
    return { batch, layers, lossF32: await losses(false), lossF16: await losses(true) };
  } finally {
    useHalfPrecision(false);
    tf.dispose([x, y]);
  }
}

/** max |Δ| / max |ref| of this backend's logits against WASM's on the same weights and input. */
async function errorAgainstWasm(model: AlexNet, options: DeviceBenchOptions): Promise<number> {
  const size = options.inputSize;
  const input = Float32Array.from({ length: size * size * 3 }, (_, i) => Math.sin(i));
  const x = tf.tensor4d(input, [1, size, size, 3]);
  const [actual] = await model.logits(x);
  x.dispose();
  const weights = await model.weightArrays();
  await selectBackend("wasm");
  const reference = AlexNet.create({ ...model.spec, numClasses: 1000 });
  reference.setWeightArrays(weights);
  const rx = tf.tensor4d(input, [1, size, size, 3]);
  const [expected] = await reference.logits(rx);
  tf.dispose(rx);
  reference.dispose();
  await selectBackend(options.backend);
  return relativeError(actual, expected);
}

/**
 * @example
 * ```ts
 * const { rows } = await measureDevice({ backend: "webgpu", arch: "alexnet-owt", inputSize: 224, width: 1, ... });
 * ```
 */
export async function measureDevice(
  options: DeviceBenchOptions,
): Promise<{
  rows: DeviceRow[];
  kernels: KernelTiming[];
  /** The batch the kernels were profiled at. */
  kernelBatch: number;
  logitsError: number | null;
  /** WebGPU with `shader-f16` only. */
  halfPrecision?: HalfPrecisionCheck;
  note?: string;
}> {
  const { backend, arch, inputSize, width, log } = options;
  await selectBackend(backend);
  const label = `${backend} ${arch}@${inputSize} width ${width}`;
  const model = AlexNet.create({ arch, numClasses: 1000, inputSize, width, seed: 1 });
  const rows: DeviceRow[] = [];
  const row = (batch: number): DeviceRow => {
    let r = rows.find((x) => x.batch === batch);
    if (!r) {
      r = {
        backend,
        network: arch,
        inputSize,
        width,
        batch,
        workers: options.workers > 1 ? options.workers : 0,
        inferImagesPerSec: null,
        stepImagesPerSec: null,
        stepF16ImagesPerSec: null,
        epochImagesPerSec: null,
        epochOverStep: null,
      };
      rows.push(r);
    }
    return r;
  };
  try {
    const kernelBatch = options.trainBatches[0];
    let logitsError: number | null = null;
    if (backend !== "wasm") {
      log(`${label}: checking logits against WASM …`);
      logitsError = await errorAgainstWasm(model, options);
      if (!(logitsError <= 1e-3)) {
        const note = `WRONG logits (relative error ${logitsError}): not measured`;
        return { rows, kernels: [], kernelBatch, logitsError, note };
      }
    }
    for (const batch of options.inferBatches) {
      log(`${label}: inference batch ${batch} …`);
      const x = tf.randomNormal([batch, inputSize, inputSize, 3]) as tf.Tensor4D;
      try {
        row(batch).inferImagesPerSec = batch / await medianSeconds(() => model.logits(x), 1, options.repeats);
      } finally {
        x.dispose();
      }
    }
    for (const batch of options.trainBatches) {
      log(`${label}: training step batch ${batch}, tight loop …`);
      const r = row(batch);
      r.stepImagesPerSec = await tightLoop(model, batch, options);
      if (backend === "webgpu" && deviceHasShaderF16()) {
        log(`${label}: training step batch ${batch}, tight loop, filter gradients in shader-f16 …`);
        useHalfPrecision(true);
        try {
          r.stepF16ImagesPerSec = await tightLoop(model, batch, options);
        } finally {
          useHalfPrecision(false);
        }
      }
      log(`${label}: trainer epoch batch ${batch} …`);
      r.epochImagesPerSec = await trainerEpoch(model, batch, options);
      r.epochOverStep = r.epochImagesPerSec / r.stepImagesPerSec;
    }
    log(`${label}: kernels of one step …`);
    const kernels = options.workers > 1 ? [] : await stepKernels(model, kernelBatch, inputSize);
    let halfPrecision: HalfPrecisionCheck | undefined;
    if (backend === "webgpu" && deviceHasShaderF16()) {
      log(`${label}: shader-f16 filter gradients and 20 steps against float32 …`);
      halfPrecision = await halfPrecisionCheck(model, kernelBatch, 20);
    }
    return { rows: rows.sort((a, b) => a.batch - b.batch), kernels, kernelBatch, logitsError, halfPrecision };
  } catch (error) {
    return {
      rows,
      kernels: [],
      kernelBatch: options.trainBatches[0],
      logitsError: null,
      note: (error as Error).message,
    };
  } finally {
    model.dispose();
  }
}
