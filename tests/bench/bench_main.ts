/**
 * `deno task bench`: the numbers issue #7 asks for, measured in one run on one machine —
 * images/s for inference (batch 1 and 32) and a training step (batch 32) of `alexnet-owt` at
 * 224 and `alexnet` at 227 on each tfjs backend, the same networks in PyTorch CPU as the peer,
 * decode+preprocess images/s on real photos, HTTP classify throughput and latency on loopback,
 * cold start, and peak RSS. Warm-up, then the median of several repeats. Prints a table and
 * writes JSON.
 *
 * @module
 */
import { tf } from "../../shared/backend/mod.ts";
import { join } from "node:path";
import { selectBackend } from "../../shared/backend/mod.ts";
import { decodeInferenceNetwork, encodeCheckpoint, relativeError } from "../../shared/codec/mod.ts";
import { type Architecture, filesSource, openCheckpoint, sampleManifestInfo } from "../../shared/checkpoint/mod.ts";
import { aptInstall, canAptInstall, parseFlags, runCli, UsageError } from "../../shared/cli/mod.ts";
import { decodeImage, IMAGENET_NORMALIZATION, scanImageFolder } from "../../shared/image/mod.ts";
import { IMAGENET_SYNSETS } from "../../shared/labels/mod.ts";
import {
  AlexNet,
  DataParallelPool,
  FeaturePool,
  type InferenceNetwork,
  SgdMomentum,
  trainStep,
} from "../../shared/model/mod.ts";
import { modelInput } from "../../shared/predictor/mod.ts";
import { measureDevice } from "./device_bench.ts";
import { edgeLines, measureEdge } from "./edge_bench.ts";
import { measureHttp } from "./http_bench.ts";
import { medianSeconds as timeIt } from "./median_seconds.ts";
import { peakRssMiB } from "./peak_rss.ts";

const HELP = `Benchmark training and inference against PyTorch CPU on this machine.

Usage: deno task bench [--quick] [--out FILE] [--data DIR] [--backends wasm,native,cpu,webgpu] [--no-torch] [--no-http]
                       [--no-edge | --edge-only] [--edge-checkpoint DIR] [--edge-photos N]
                       [--gpu-width F] [--gpu-input-size N] [--gpu-batches 32,128,256] [--gpu-infer-batches 1,32,256]

  --quick          alexnet-owt only, fewer repeats (about a minute)
  --repeats N      timed repeats per measurement after warm-up (default 3; medians are reported)
  --data DIR       photos for the decode+preprocess rate and HTTP requests (default ../shared/data/dogs-vs-cats-2k)
  --backends LIST  tfjs backends to measure (default wasm,native,cpu; add webgpu where a GPU is; native is WASM with
                   oneDNN's kernels, a row with the reason where libdnnl2 is missing); native's, cpu's and webgpu's
                   logits are checked against WASM's and a wrong answer voids the rate. Without wasm (--backends webgpu)
                   only the WebGPU section and the CUDA peer run: no CPU rows, PyTorch CPU, preprocess or HTTP
  --gpu-*          the WebGPU section (alexnet-owt): width multiplier (default 1; 0.9 fits a 128 MiB binding limit),
                   input size (224), training batches (32,128,256: tight-loop step and trainer epoch), inference
                   batches (1,32,256); with CUDA PyTorch on the machine it is the peer at the same batches
  --edge-only      only the edge section: the edge function and serve:inference on float32/float16/int8 weights
                   (cold start, peak RSS, V8 heap + WASM, batch-1 latency, 8 in flight) beside PyTorch on one
                   thread, and int8/float16 agreement with float32 on real photos; --no-edge leaves it out
  --edge-checkpoint DIR  a float32 checkpoint trained on --data, for the agreement (default: the random network)
  --edge-photos N  photos the agreement uses (default 2000)
  --out FILE       JSON results (default runs/bench/bench-<time>.json)
  --python PATH    Python with torch and torchvision (default /usr/bin/python3)`;

/** One measured configuration; rates are images/s. */
interface Row {
  engine: string;
  network: Architecture;
  inputSize: number;
  inferB1: number | null;
  inferB32: number | null;
  trainB32: number | null;
  /** The same training step split across data-parallel workers (one per core). */
  trainB32Workers?: { workers: number; imagesPerSec: number };
  /** Inference at batch 32 split across the same workers. */
  inferB32Workers?: { workers: number; imagesPerSec: number };
  note?: string;
}

const NETWORKS: { arch: Architecture; size: number }[] = [
  { arch: "alexnet-owt", size: 224 },
  { arch: "alexnet", size: 227 },
];

/** Per network: the WASM model's initial weights, an input and its logits, to check other backends against. */
const references = new Map<Architecture, { weights: Float32Array[]; input: Float32Array; logits: number[] }>();

/** max|Δ|/max|ref| of this backend's logits against WASM's on the same weights and input, or null without a reference. */
async function checkAgainstWasm(model: AlexNet, arch: Architecture, size: number): Promise<number | null> {
  const ref = references.get(arch);
  if (!ref) return null;
  model.setWeightArrays(ref.weights);
  const x = tf.tensor4d(ref.input, [1, size, size, 3]);
  const logits = (await model.logits(x)).flatMap((r) => [...r]);
  x.dispose();
  return relativeError(logits, ref.logits);
}

/** `model` as inference holds it (float32 convolutions on the backend, float32 dense head). */
async function inferenceNetworkOf(model: AlexNet): Promise<InferenceNetwork> {
  const classNames = Array.from({ length: model.spec.numClasses }, (_, i) => `class ${i}`);
  const files = await encodeCheckpoint(model, sampleManifestInfo({ name: "bench", classNames }));
  return await decodeInferenceNetwork(await openCheckpoint(filesSource(files)));
}

async function measureTfjs(
  backend: "wasm" | "native" | "cpu",
  arch: Architecture,
  size: number,
  repeats: number,
  log: (line: string) => void,
): Promise<Row> {
  const choice = await selectBackend(backend);
  const engine = backend === "native"
    ? `tfjs ${tf.version_core} wasm + oneDNN (native)`
    : `tfjs ${tf.version_core} ${choice.tfjsName}`;
  const model = AlexNet.create({ arch, numClasses: 1000, inputSize: size, seed: 1 });
  // Inference is timed as the predictor runs it: convolutions on this backend, fc6–fc8 in the dense head.
  const network = await inferenceNetworkOf(model);
  const x1 = tf.randomNormal([1, size, size, 3]) as tf.Tensor4D;
  const x32 = tf.randomNormal([32, size, size, 3]) as tf.Tensor4D;
  const y32 = tf.oneHot(tf.randomUniform([32], 0, 1000, "int32") as tf.Tensor1D, 1000);
  const v1 = (await x1.data()) as Float32Array, v32 = (await x32.data()) as Float32Array;
  try {
    if (backend === "wasm") {
      const input = (await x1.data()) as Float32Array;
      references.set(arch, {
        weights: await model.weightArrays(),
        input,
        logits: (await model.logits(x1)).flatMap((r) => [...r]),
      });
    }
    log(`${engine} ${arch}@${size}: inference batch 1 …`);
    const b1 = await timeIt(
      () => network.logits(v1, 1),
      backend === "wasm" ? 3 : 1,
      backend === "wasm" ? repeats * 3 : 1,
    );
    // A rate means nothing if the answers are wrong.
    const error = backend === "wasm" ? null : await checkAgainstWasm(model, arch, size);
    const verdict = error === null
      ? "not checked against WASM"
      : error <= 1e-3
      ? `logits match WASM (${error.toExponential(1)})`
      : `WRONG logits (relative error ${error.toExponential(1)} against WASM): rate not usable`;
    if (backend === "cpu") {
      return {
        engine,
        network: arch,
        inputSize: size,
        inferB1: error !== null && error > 1e-3 ? null : 1 / b1,
        inferB32: null,
        trainB32: null,
        note: `${verdict}; pure-JS backend: batch 32 and training skipped (minutes per step)`,
      };
    }
    log(`${engine} ${arch}@${size}: inference batch 32 …`);
    const b32 = await timeIt(() => network.logits(v32, 32), 1, repeats);
    log(`${engine} ${arch}@${size}: training step batch 32 …`);
    const sgd = new SgdMomentum({ learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4 });
    const train = await timeIt(() => trainStep(model, sgd, x32, y32), 1, repeats);
    sgd.dispose();
    const wrong = error !== null && error > 1e-3;
    const row: Row = {
      engine,
      network: arch,
      inputSize: size,
      inferB1: wrong ? null : 1 / b1,
      inferB32: wrong ? null : 32 / b32,
      trainB32: wrong ? null : 32 / train,
      ...(backend === "native" ? { note: `${verdict}; oneDNN's own threads on every core` } : {}),
    };
    const workers = navigator.hardwareConcurrency;
    if (workers > 1 && backend === "wasm") {
      log(`${engine} ${arch}@${size}: training step batch 32 on ${workers} workers …`);
      const pool = await DataParallelPool.start(model, {
        workers,
        sgd: { learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4 },
        frozen: [],
      });
      const labels = [...(await tf.argMax(y32, 1).data())];
      const features = await FeaturePool.start(network, { workers });
      try {
        log(`${engine} ${arch}@${size}: inference batch 32 on ${workers} workers …`);
        const inferSeconds = await timeIt(() => features.logits(v32, 32), 1, repeats);
        row.inferB32Workers = { workers, imagesPerSec: 32 / inferSeconds };
        const seconds = await timeIt(
          () => pool.step(v32, labels, 1000, { dropout: true, learningRate: 0.01 }),
          4, // the first steps grow each worker's WASM heap and create the velocities; steps settle by the 4th
          repeats,
        );
        row.trainB32Workers = { workers, imagesPerSec: 32 / seconds };
      } finally {
        features.close();
        pool.close();
      }
    }
    return row;
  } finally {
    tf.dispose([x1, x32, y32]);
    network.dispose();
    model.dispose();
  }
}

/** True when `python` can import torch and torchvision; installs Debian's packages where possible. */
async function ensureTorch(python: string, log: (line: string) => void): Promise<boolean> {
  const probe = () =>
    new Deno.Command(python, { args: ["-c", "import torch, torchvision"], stdout: "null", stderr: "null" }).output()
      .then((o) => o.success, () => false);
  if (await probe()) return true;
  if (!(await canAptInstall())) return false;
  log("the PyTorch peer needs python3-torch and python3-torchvision; installing Debian's packages");
  return await aptInstall(["python3-torch", "python3-torchvision"]) && await probe();
}

async function measureTorch(python: string, networks: string[], repeats: number, log: (line: string) => void) {
  const script = new URL("./bench_torch_peer.py", import.meta.url).pathname;
  const threads = navigator.hardwareConcurrency;
  if (!(await ensureTorch(python, log))) {
    return {
      error: `${python} cannot import torch; install them: apt-get install -y python3-torch python3-torchvision`,
    };
  }
  try {
    const { success, stdout, stderr } = await new Deno.Command(python, {
      args: [script, "--threads", String(threads), "--repeats", String(repeats), "--networks", networks.join(",")],
    }).output();
    if (!success) return { error: new TextDecoder().decode(stderr).trim().split("\n").at(-1) ?? "failed" };
    return JSON.parse(new TextDecoder().decode(stdout)) as {
      engine: string;
      threads: number;
      results: { network: Architecture; inputSize: number; inferB1: number; inferB32: number; trainB32: number }[];
      peakRssMiB: number;
    };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** The PyTorch peer on CUDA at the WebGPU section's batch sizes, or why it could not run. */
async function measureTorchCuda(
  python: string,
  gpu: { inputSize: number; trainBatches: number[]; inferBatches: number[] },
  repeats: number,
  log: (line: string) => void,
) {
  if (!(await ensureTorch(python, log))) return { error: `${python} cannot import torch` };
  log("PyTorch CUDA peer …");
  const script = new URL("./bench_torch_peer.py", import.meta.url).pathname;
  const args = [script, "--device", "cuda", "--repeats", String(repeats), "--input-size", String(gpu.inputSize)];
  args.push("--train-batches", gpu.trainBatches.join(","), "--infer-batches", gpu.inferBatches.join(","));
  try {
    const { success, stdout, stderr } = await new Deno.Command(python, { args }).output();
    if (!success) return { error: new TextDecoder().decode(stderr).trim().split("\n").at(-1) ?? "failed" };
    return JSON.parse(new TextDecoder().decode(stdout)) as {
      engine: string;
      device: string;
      batches: { batch: number; inferImagesPerSec: number | null; trainImagesPerSec: number | null }[];
    };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

async function measurePreprocess(data: string, count: number) {
  const folder = await scanImageFolder(data);
  const files = folder.files.slice(0, count);
  const bytes = await Promise.all(files.map((f) => Deno.readFile(f.path)));
  const started = performance.now();
  const preprocessing = { resizeSize: 256, inputSize: 224, normalization: IMAGENET_NORMALIZATION };
  for (let i = 0; i < bytes.length; i += 32) {
    const images = await Promise.all(bytes.slice(i, i + 32).map((b) => decodeImage(b)));
    modelInput(images, preprocessing); // the predictor's own preprocessing
  }
  return { images: bytes.length, perSecond: bytes.length / ((performance.now() - started) / 1000) };
}

/** A random-weight alexnet-owt at 224 px with ImageNet's 1,000 classes, as checkpoint files, for the HTTP section. */
async function randomOwtCheckpoint() {
  await selectBackend("wasm");
  const model = AlexNet.create({ arch: "alexnet-owt", numClasses: 1000, inputSize: 224, seed: 2 });
  try {
    return await encodeCheckpoint(
      model,
      sampleManifestInfo({ name: "bench", classNames: [...IMAGENET_SYNSETS], resizeSize: 256 }),
    );
  } finally {
    model.dispose();
  }
}

const fmt = (x: number | null | undefined, digits = 1) => (x == null ? "–" : x.toFixed(digits));

async function main(args: string[]): Promise<number> {
  const { values } = parseFlags({
    args,
    options: {
      quick: { type: "boolean" },
      repeats: { type: "string" },
      data: { type: "string", default: "../shared/data/dogs-vs-cats-2k" },
      backends: { type: "string", default: "wasm,native,cpu" },
      out: { type: "string" },
      python: { type: "string", default: Deno.env.get("PYTHON") ?? "/usr/bin/python3" },
      "no-torch": { type: "boolean" },
      "no-http": { type: "boolean" },
      "no-edge": { type: "boolean" },
      "edge-only": { type: "boolean" },
      "edge-checkpoint": { type: "string" },
      "edge-photos": { type: "string", default: "2000" },
      "gpu-width": { type: "string", default: "1" },
      "gpu-input-size": { type: "string", default: "224" },
      "gpu-batches": { type: "string", default: "32,128,256" },
      "gpu-infer-batches": { type: "string", default: "1,32,256" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const repeats = Number(values.repeats ?? (values.quick ? 2 : 3));
  if (!Number.isInteger(repeats) || repeats < 1) throw new UsageError("--repeats must be a positive integer");
  const backends = values.backends!.split(",").map((b) => b.trim());
  for (const b of backends) {
    if (!["wasm", "native", "cpu", "webgpu"].includes(b)) {
      throw new UsageError(`--backends takes wasm, native, cpu, webgpu; got "${b}"`);
    }
  }
  // The CPU measurements (PyTorch CPU, preprocessing, HTTP, the WASM rows and epoch) need wasm in the list.
  const cpuSections = backends.includes("wasm");
  if ((backends.includes("cpu") || backends.includes("native")) && !cpuSections) {
    throw new UsageError("--backends cpu and native are checked against wasm: add wasm");
  }
  const networks = values.quick ? NETWORKS.slice(0, 1) : NETWORKS;
  const log = (line: string) => console.error(`bench: ${line}`);
  const machine =
    `${navigator.hardwareConcurrency} cores, ${Deno.build.os}/${Deno.build.arch}, Deno ${Deno.version.deno}`;
  const startedAt = new Date().toISOString();
  const outPath = values.out ?? join("runs", "bench", `bench-${startedAt.replace(/[-:]/g, "").slice(0, 15)}.json`);
  const edgePhotos = Number(values["edge-photos"]);
  if (!Number.isInteger(edgePhotos) || edgePhotos < 11) throw new UsageError("--edge-photos must be an integer ≥ 11");
  const runEdge = () =>
    measureEdge({
      photos: values.data!,
      trainedCheckpoint: values["edge-checkpoint"] ?? null,
      agreementPhotos: edgePhotos,
      latencyRequests: values.quick ? 20 : 60,
      loadRequests: values.quick ? 40 : 120,
      python: values.python!,
    }, log);
  if (values["edge-only"]) {
    const edge = await runEdge();
    console.log(
      [`alexnet-edge bench (edge section) — ${startedAt.slice(0, 10)}, ${machine}`, "", ...edgeLines(edge)].join("\n"),
    );
    await Deno.mkdir(join(outPath, ".."), { recursive: true });
    await Deno.writeTextFile(outPath, JSON.stringify({ startedAt, machine, edge }, null, 2) + "\n");
    log(`JSON in ${outPath}`);
    return 0;
  }
  const rows: Row[] = [];

  const torch = values["no-torch"]
    ? { error: "skipped (--no-torch)" }
    : !cpuSections
    ? { error: "not asked for (--backends without wasm)" }
    : (log("PyTorch peer …"), await measureTorch(values.python!, networks.map((n) => n.arch), repeats, log));
  if ("results" in torch) {
    for (const r of torch.results) rows.push({ engine: `${torch.engine}, ${torch.threads} threads`, ...r });
  } else log(`PyTorch peer unavailable: ${torch.error}`);

  let preprocess = null, http = null;
  const photos: Uint8Array[] = [];
  try {
    if (!cpuSections) throw new Error("not asked for (--backends without wasm)");
    const folder = await scanImageFolder(values.data!);
    for (const f of folder.files.slice(0, 16)) photos.push(await Deno.readFile(f.path));
    log(`decode + resize 256 + centre crop 224 + normalise on ${values.data} …`);
    preprocess = await measurePreprocess(values.data!, values.quick ? 128 : 320);
  } catch (error) {
    log(`no photos for the preprocess and HTTP measurements: ${(error as Error).message}`);
  }
  // Before the tfjs measurements: a bench process holding gigabytes of training state (and
  // collecting them) slows a service started next to it on a 2-core machine, which would
  // put the bench's own leftovers into the cold-start number.
  if (!values["no-http"] && photos.length > 0) {
    http = await measureHttp(
      await randomOwtCheckpoint(),
      photos,
      { requests: values.quick ? 60 : 200, concurrency: 4 },
      log,
    );
  }

  const edge = values["no-edge"] || !cpuSections ? null : await runEdge();

  const deviceSections = [];
  const positiveList = (flag: string, text: string) => {
    const list = text.split(",").map(Number);
    if (!list.every((n) => Number.isInteger(n) && n > 0)) throw new UsageError(`--${flag} takes positive integers`);
    return list;
  };
  const gpu = {
    width: Number(values["gpu-width"]),
    inputSize: Number(values["gpu-input-size"]),
    trainBatches: positiveList("gpu-batches", values["gpu-batches"]!),
    inferBatches: positiveList("gpu-infer-batches", values["gpu-infer-batches"]!),
  };
  if (!(gpu.width > 0 && gpu.width <= 1) || !Number.isInteger(gpu.inputSize) || gpu.inputSize < 63) {
    throw new UsageError("--gpu-width must be in (0, 1] and --gpu-input-size an integer ≥ 63");
  }
  // The trainer's epoch against its own tight-loop step: on WASM with the workers, and on WebGPU.
  if (cpuSections) {
    deviceSections.push(
      await measureDevice({
        backend: "wasm",
        arch: "alexnet-owt",
        inputSize: 224,
        width: 1,
        trainBatches: [32],
        inferBatches: [],
        workers: navigator.hardwareConcurrency,
        repeats,
        log,
      }),
    );
  }
  // Native: oneDNN's threads on every core, no workers; the kernels of its step, beside WASM's.
  if (backends.includes("native")) {
    deviceSections.push(
      await measureDevice({
        backend: "native",
        arch: "alexnet-owt",
        inputSize: 224,
        width: 1,
        trainBatches: [32],
        inferBatches: [32],
        workers: 1,
        repeats,
        log,
      }),
    );
  }
  if (backends.includes("webgpu")) {
    deviceSections.push(
      await measureDevice({ backend: "webgpu", arch: "alexnet-owt", ...gpu, workers: 1, repeats, log }),
    );
  }
  const cudaPeer = backends.includes("webgpu") && !values["no-torch"]
    ? await measureTorchCuda(values.python!, gpu, repeats, log)
    : { error: "not asked for (--backends without webgpu, or --no-torch)" };

  // WASM first: the other rows' logits are checked against its.
  const cpuBackends = ["wasm", "native", "cpu"].filter((b) => backends.includes(b)) as ("wasm" | "native" | "cpu")[];
  for (const backend of cpuBackends) {
    for (const { arch, size } of networks) {
      try {
        rows.push(await measureTfjs(backend, arch, size, repeats, log));
      } catch (error) {
        log(`${backend} ${arch}: ${(error as Error).message}`);
        rows.push({
          engine: `tfjs ${backend}`,
          network: arch,
          inputSize: size,
          inferB1: null,
          inferB32: null,
          trainB32: null,
          note: (error as Error).message,
        });
      }
    }
  }
  const trainingRss = await peakRssMiB();

  const owt = (engine: string) => rows.find((r) => r.network === "alexnet-owt" && r.engine.startsWith(engine));
  const peer = owt("pytorch"), wasm = owt(`tfjs ${tf.version_core} wasm`);
  const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? a / b : null);
  const bestTrain = Math.max(wasm?.trainB32 ?? 0, wasm?.trainB32Workers?.imagesPerSec ?? 0) || null;
  const native = owt(`tfjs ${tf.version_core} wasm + oneDNN`);
  const nativeEpoch = deviceSections.find((d) => d.rows[0]?.backend === "native")?.rows[0]?.epochOverStep ?? null;
  const ratios = {
    nativeTrainingVsPytorch: ratio(native?.trainB32, peer?.trainB32),
    nativeTrainingVsWasm: ratio(native?.trainB32, bestTrain),
    nativeInferenceVsPytorch: ratio(native?.inferB32, peer?.inferB32),
    nativeEpochOverStep: nativeEpoch,
    trainingVsPytorch: ratio(bestTrain, peer?.trainB32),
    inferenceVsPytorch: ratio(
      Math.max(wasm?.inferB32 ?? 0, wasm?.inferB32Workers?.imagesPerSec ?? 0) || null,
      peer?.inferB32,
    ),
    httpVsRawModelBatch1: ratio(http?.perSecond, wasm?.inferB1),
    httpWorkersVsRawWorkersBatch32: ratio(http?.withWorkers?.perSecond, wasm?.inferB32Workers?.imagesPerSec),
  };

  const lines = [
    `alexnet-edge bench — ${startedAt.slice(0, 10)}, ${machine}; images/s, median of ${repeats} after warm-up`,
    "",
    ...(cpuSections
      ? [
        "| engine | network | input | infer b1 | infer b32 | infer b32, workers | train b32 | train b32, workers | note |",
        "|---|---|---|---|---|---|---|---|---|",
        ...rows.map((r) =>
          `| ${r.engine} | ${r.network} | ${r.inputSize} | ${fmt(r.inferB1)} | ${fmt(r.inferB32)} | ${
            r.inferB32Workers ? `${fmt(r.inferB32Workers.imagesPerSec)} (${r.inferB32Workers.workers})` : "–"
          } | ${fmt(r.trainB32, 2)} | ${
            r.trainB32Workers ? `${fmt(r.trainB32Workers.imagesPerSec, 2)} (${r.trainB32Workers.workers})` : "–"
          } | ${r.note ?? ""} |`
        ),
        "",
        `alexnet-owt@224, tfjs WASM vs PyTorch CPU: training ${
          fmt(ratios.trainingVsPytorch, 2)
        }× (best of one thread and workers; goal ≥ 1.5×), ` +
        `inference b32 ${fmt(ratios.inferenceVsPytorch, 2)}× (best of one thread and workers; goal ≥ 2.0×)`,
        ...(native
          ? [
            `alexnet-owt@224, native (oneDNN) — issue #22's goals: training step ${
              fmt(ratios.nativeTrainingVsPytorch, 2)
            }× PyTorch CPU (goal ≥ 3×) and ${fmt(ratios.nativeTrainingVsWasm, 2)}× WASM's best (goal ≥ 2.5×); ` +
            `trainer epoch / step ${fmt(ratios.nativeEpochOverStep, 2)} (goal ≥ 0.9); inference b32 ${
              fmt(ratios.nativeInferenceVsPytorch, 2)
            }× PyTorch CPU (goal ≥ 4×)`,
          ]
          : []),
        preprocess
          ? `decode+preprocess (JPEG → 224 crop, normalised): ${
            fmt(preprocess.perSecond)
          } images/s over ${preprocess.images} photos`
          : "decode+preprocess: not measured (no --data)",
        http
          ? `HTTP classify (alexnet-owt@224, concurrency ${http.concurrency}, ${http.requests} requests): ${
            fmt(http.perSecond)
          } req/s, ` +
            `p50 ${fmt(http.p50Ms)} ms, p99 ${fmt(http.p99Ms)} ms, ${http.failed} failed; ${
              fmt((ratios.httpVsRawModelBatch1 ?? 0) * 100, 0)
            }% of the raw batch-1 model rate (goal ≥ 80%); ` +
            `cold start ${fmt(http.coldStartSeconds, 2)} s (goal ≤ 2 s; float16 ${
              fmt(http.coldStarts.float16?.seconds, 2)
            } s, ` +
            `int8 ${fmt(http.coldStarts.int8?.seconds, 2)} s); service peak RSS ${fmt(http.serviceRssMiB, 0)} MiB` +
            (http.withWorkers
              ? `\nHTTP classify with --workers ${http.withWorkers.workers}: ${
                fmt(http.withWorkers.perSecond)
              } req/s, p50 ${fmt(http.withWorkers.p50Ms)} ms, p99 ${
                fmt(http.withWorkers.p99Ms)
              } ms, ${http.withWorkers.failed} failed; cold start ${
                fmt(http.withWorkers.coldStartSeconds, 2)
              } s; peak RSS ${fmt(http.withWorkers.serviceRssMiB, 0)} MiB`
              : "")
          : "HTTP classify: not measured",
        `peak RSS: bench process (tfjs, training at batch 32) ${fmt(trainingRss, 0)} MiB` +
        ("results" in torch ? `; PyTorch peer ${fmt(torch.peakRssMiB, 0)} MiB` : ""),
      ]
      : ["CPU measurements: not asked for (--backends without wasm)"]),
    "",
    "Trainer epoch against the tight-loop step (alexnet-owt; epoch = the trainer's input pipeline, augmentation and " +
    "step over 4 batches of generated images; step = the same step on a resident batch):",
    "",
    "| backend | input | width | batch | workers | infer img/s | step img/s | step img/s, shader-f16 | epoch img/s | epoch/step | PyTorch CUDA infer | PyTorch CUDA train | note |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...deviceSections.flatMap((section) =>
      (section.rows.length > 0 ? section.rows : [null]).map((r) => {
        const cuda = r && r.backend === "webgpu" && "batches" in cudaPeer
          ? cudaPeer.batches.find((b) => b.batch === r.batch)
          : undefined;
        return r
          ? `| ${r.backend} | ${r.inputSize} | ${r.width} | ${r.batch} | ${r.workers || "–"} | ${
            fmt(r.inferImagesPerSec)
          } | ${fmt(r.stepImagesPerSec)} | ${fmt(r.stepF16ImagesPerSec)} | ${fmt(r.epochImagesPerSec)} | ${
            fmt(r.epochOverStep, 2)
          } | ${fmt(cuda?.inferImagesPerSec)} | ${fmt(cuda?.trainImagesPerSec)} | ${
            section.logitsError !== null ? `logits vs WASM ${section.logitsError.toExponential(1)}` : ""
          } |`
          : `| (device section) | | | | | | | | | | | | ${section.note ?? "not measured"} |`;
      })
    ),
    "error" in cudaPeer
      ? `PyTorch CUDA peer: ${cudaPeer.error}`
      : `PyTorch CUDA peer: ${cudaPeer.engine} on ${cudaPeer.device}`,
    ...deviceSections.flatMap((s) => {
      const h = s.halfPrecision;
      if (!h) return [];
      const at = (xs: number[], i: number) => fmt(xs[i], 4);
      return [
        "",
        `shader-f16 against float32 (batch ${h.batch}): filter-gradient relative RMS error ${
          h.layers.map((l) => `${l.layer} ${l.relativeRms.toExponential(1)}`).join(", ")
        }; training loss from the same start without dropout, steps 1/${h.lossF32.length / 2}/${h.lossF32.length}: ` +
        `float32 ${at(h.lossF32, 0)}/${at(h.lossF32, h.lossF32.length / 2 - 1)}/${
          at(h.lossF32, h.lossF32.length - 1)
        }, ` +
        `shader-f16 ${at(h.lossF16, 0)}/${at(h.lossF16, h.lossF16.length / 2 - 1)}/${
          at(h.lossF16, h.lossF16.length - 1)
        }`,
      ];
    }),
    ...deviceSections.filter((s) => s.kernels.length > 0).flatMap((s) => [
      "",
      `Slowest kernels of one ${s.rows[0]?.backend} training step at batch ${s.kernelBatch} (tf.profile, ms):`,
      ...s.kernels.slice(0, 15).map((k) => `  ${k.ms.toFixed(1).padStart(9)}  ${k.kernel} ${k.inputShapes}`),
    ]),
  ];
  if (edge) lines.push("", ...edgeLines(edge));
  console.log(lines.join("\n"));
  const out = outPath;
  await Deno.mkdir(join(out, ".."), { recursive: true });
  await Deno.writeTextFile(
    out,
    JSON.stringify(
      {
        startedAt,
        machine,
        repeats,
        rows,
        ratios,
        preprocess,
        http,
        edge,
        peakRssMiB: { trainingProcess: trainingRss, pytorch: "results" in torch ? torch.peakRssMiB : null },
        device: deviceSections,
        pytorchCuda: cudaPeer,
      },
      null,
      2,
    ) + "\n",
  );
  console.error(`bench: wrote ${out}`);
  return 0;
}

if (import.meta.main) await runCli(() => main(Deno.args));
