/**
 * A checkpoint → an {@linkcode InferenceNetwork}, reading it one verified shard at a time: the
 * convolution weights (a few MiB) go to the SIMD kernels' memory — int8 codes in place for a
 * per-channel int8 checkpoint, float32 for any other — and TF.js is never loaded, unless the
 * process chose a TF.js backend other than plain WASM (a GPU, oneDNN's native kernels,
 * libtensorflow, TF.js's pure-JS CPU), which then runs the convolutions as TF.js layers; the fully
 * connected kernels go from each shard straight to their place in the {@linkcode DenseHead}'s
 * memory, in the precision they are stored in. So an int8 checkpoint of the full network is
 * held as about 56 MiB of int8 plus the convolutions, and no float32 copy of fc6–fc8 — nor a
 * second copy of the shards — is ever made. Shards are read into a few reused buffers: the next
 * ones are read and hashed while the current one is placed (one ahead from a folder, more from a
 * URL), and no shard-sized garbage is left for the collector.
 *
 * @module
 */
import { releaseBuffers } from "../image/release_buffer.ts";
import { type DenseEncoding, DenseHead, type DenseLayerLayout } from "../model/dense_head.ts";
import { InferenceNetwork, type InferenceSpec } from "../model/inference_network.ts";
import { activeTfjsBackend } from "../backend/active_tfjs_backend.ts";
import { SimdFeatures } from "../model/simd_features.ts";
import type { TfjsFeatures } from "../model/tfjs_features.ts";
import { CheckpointFormatError, type WeightSpec } from "../checkpoint/checkpoint_files.ts";
import { type OpenedCheckpoint, readVerifiedFile } from "../checkpoint/checkpoint_source.ts";
import { storedBytes, weightStorage, weightValues } from "../checkpoint/weight_storage.ts";

const DENSE_LAYERS = ["fc6", "fc7", "fc8"] as const;
/** Weight shards are 4 MiB (TF.js's converter writes the same); a larger one gets a larger buffer. */
const SHARD_BUFFER_BYTES = 4 * 1024 * 1024;

/** Writes a weight's stored bytes, arriving in pieces, to where they belong. */
interface WeightSink {
  write(offset: number, bytes: Uint8Array): void;
}

/** Collects a small weight's bytes whole (convolutions, biases, scales). */
class WholeSink implements WeightSink {
  readonly bytes: Uint8Array;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
  }
  write(offset: number, bytes: Uint8Array): void {
    this.bytes.set(bytes, offset);
  }
}

/** int8 codes stored one row per output channel → the head's rows (`rowStride` apart). */
function int8RowsSink(target: Uint8Array, layout: DenseLayerLayout): WeightSink {
  const { ins } = layout.spec;
  return {
    write(offset, bytes) {
      for (let k = 0; k < bytes.length;) {
        const row = Math.floor((offset + k) / ins), column = (offset + k) % ins;
        const n = Math.min(ins - column, bytes.length - k);
        target.set(bytes.subarray(k, k + n), row * layout.rowStride + column);
        k += n;
      }
    },
  };
}

/**
 * One-byte codes stored `[…][outs]` (output channel fastest) → one row per output channel at
 * `rows[o]`, input position along the row; `flip` 0x80 turns TF.js's uint8 codes into int8
 * (code − 128).
 */
function transposedCodesSink(target: Uint8Array, rows: Int32Array, flip: 0 | 0x80): WeightSink {
  const outs = rows.length;
  return {
    write(offset, bytes) {
      let i = Math.floor(offset / outs), o = offset % outs;
      for (let k = 0; k < bytes.length; k++) {
        target[rows[o] + i] = bytes[k] ^ flip;
        if (++o === outs) (o = 0), i++;
      }
    },
  };
}

/** TF.js's per-tensor uint8 codes, `[ins][outs]` → the head's int8 rows per output channel. */
function affineCodesSink(target: Uint8Array, layout: DenseLayerLayout): WeightSink {
  const rows = Int32Array.from({ length: layout.spec.outs }, (_, o) => o * layout.rowStride);
  return transposedCodesSink(target, rows, 0x80);
}

/** A convolution's int8 codes `[kh][kw][cin/groups][cout]` → its rows in {@linkcode SimdFeatures}. */
function convCodesSink(features: SimdFeatures, layer: string): WeightSink {
  const { step, groupOuts, paddedGroupOuts, stride } = features.layout(layer);
  const rows = Int32Array.from(
    { length: step.outs },
    (_, o) => (Math.floor(o / groupOuts) * paddedGroupOuts + (o % groupOuts)) * stride,
  );
  return transposedCodesSink(features.weightBytes(layer), rows, 0);
}

/**
 * float32 or float16 values stored `[ins][outs]` → the head's panels of 16 outputs. Whole
 * values are placed as they arrive; a value split between two shards waits for its rest.
 */
function panelSink(target: Uint8Array, layout: DenseLayerLayout, width: 2 | 4): WeightSink {
  const { ins, outs } = layout.spec;
  const dest = width === 4
    ? new Uint32Array(target.buffer, target.byteOffset, target.byteLength / 4)
    : new Uint16Array(target.buffer, target.byteOffset, target.byteLength / 2);
  let pending = new Uint8Array(0);
  return {
    write(offset, bytes) {
      let chunk = bytes;
      if (pending.length > 0) {
        chunk = new Uint8Array(pending.length + bytes.length);
        chunk.set(pending);
        chunk.set(bytes, pending.length);
        offset -= pending.length;
      }
      const whole = Math.floor(chunk.length / width);
      pending = chunk.slice(whole * width);
      const source = chunk.byteOffset % width === 0 ? chunk.subarray(0, whole * width) : chunk.slice(0, whole * width);
      const values = width === 4
        ? new Uint32Array(source.buffer, source.byteOffset, whole)
        : new Uint16Array(source.buffer, source.byteOffset, whole);
      const first = offset / width;
      let i = Math.floor(first / outs), o = first % outs;
      for (let k = 0; k < whole; k++) {
        dest[((o >> 4) * ins + i) * 16 + (o & 15)] = values[k];
        if (++o === outs) (o = 0), i++;
      }
    },
  };
}

function headEncoding(spec: WeightSpec): DenseEncoding {
  const storage = weightStorage(spec);
  return storage === "float32" ? "float32" : storage === "float16" ? "float16" : "int8";
}

/** What `model.json` lists: every weight, the shard files, and lookups by name. */
interface WeightsList {
  specs: WeightSpec[];
  paths: string[];
  byName: Map<string, WeightSpec>;
  /** A dense layer's kernel spec, or a format error. */
  kernelOf: (layer: string) => WeightSpec;
  /** The convolutions' kernels, and whether all are per-channel int8 (then the int8 kernels run them). */
  convKernels: WeightSpec[];
  int8Convs: boolean;
}

async function readWeightsList(opened: OpenedCheckpoint): Promise<WeightsList> {
  const modelJson = JSON.parse(new TextDecoder().decode(await readVerifiedFile(opened, "model.json")));
  const groups: { paths: string[]; weights: WeightSpec[] }[] = modelJson.weightsManifest ?? [];
  const specs = groups.flatMap((g) => g.weights);
  const byName = new Map(specs.map((s) => [s.name, s]));
  const kernelOf = (layer: string) => {
    const spec = byName.get(`${layer}/kernel`);
    if (!spec || spec.shape.length !== 2) throw new CheckpointFormatError(`model.json has no ${layer} kernel`);
    return spec;
  };
  const convKernels = specs.filter((s) => /^conv\d\/kernel$/.test(s.name));
  const int8Convs = convKernels.length > 0 && convKernels.every((s) => weightStorage(s) === "int8-channel");
  return { specs, paths: groups.flatMap((g) => g.paths), byName, kernelOf, convKernels, int8Convs };
}

/**
 * The convolutions: per-channel int8 ones on the int8 kernels, any others on the float32 kernels;
 * TF.js only where the process chose a TF.js backend of its own (not WASM) for them.
 */
async function createFeatures(
  spec: InferenceSpec,
  int8Convs: boolean,
  relaxed: boolean | undefined,
): Promise<SimdFeatures | TfjsFeatures> {
  const tfjsBackend = activeTfjsBackend();
  const onTfjs = !int8Convs && tfjsBackend !== null && tfjsBackend !== "wasm";
  return onTfjs
    ? await tfjsFeatures(spec)
    : await SimdFeatures.create(spec, { precision: int8Convs ? "int8" : "float32", relaxed });
}

/** Where each stored weight's bytes go: int8 conv codes and dense kernels in place, the rest kept whole. */
function weightSinks(
  list: WeightsList,
  features: SimdFeatures | TfjsFeatures,
  head: DenseHead,
  wholes: Map<string, WholeSink>,
): WeightSink[] {
  return list.specs.map((spec): WeightSink => {
    const layer = spec.name.split("/")[0];
    if (list.int8Convs && list.convKernels.includes(spec)) return convCodesSink(features as SimdFeatures, layer);
    const denseKernel = (DENSE_LAYERS as readonly string[]).includes(layer) && spec.name === `${layer}/kernel`;
    if (!denseKernel) {
      const sink = new WholeSink(storedBytes(spec));
      wholes.set(spec.name, sink);
      return sink;
    }
    const layout = head.layouts.find((l) => l.spec.name === layer)!;
    const target = head.weightBytes(layer);
    switch (weightStorage(spec)) {
      case "int8-channel":
        if (spec.layout !== "out-in") throw new CheckpointFormatError(`${spec.name}: int8 codes must be out-in`);
        return int8RowsSink(target, layout);
      case "uint8-affine":
        return affineCodesSink(target, layout);
      case "float16":
        return panelSink(target, layout, 2);
      case "float32":
        return panelSink(target, layout, 4);
    }
  });
}

/** The dense head's biases and quantisation scales (and uint8-affine offsets). */
function fillHead(head: DenseHead, list: WeightsList, valuesOf: (name: string) => Float32Array): void {
  for (const name of DENSE_LAYERS) {
    head.bias(name).set(valuesOf(`${name}/bias`));
    const kernel = list.kernelOf(name);
    const storage = weightStorage(kernel);
    if (storage === "int8-channel") head.scales(name).set(valuesOf(kernel.scales!));
    if (storage === "uint8-affine") {
      // scale·code + min = scale·(code − 128) + (min + 128·scale): the offset the kernel adds back.
      const { scale, min } = kernel.quantization as { scale: number; min: number };
      head.scales(name).fill(scale);
      head.setOffsets(name, new Float32Array(kernel.shape[1]).fill(min + 128 * scale));
    }
  }
}

/** The convolutions' kernels (or int8 scales) and biases. */
function fillFeatures(
  features: SimdFeatures | TfjsFeatures,
  list: WeightsList,
  valuesOf: (name: string) => Float32Array,
): void {
  if (!(features instanceof SimdFeatures)) return features.setWeights(valuesOf);
  for (const kernel of list.convKernels) {
    const layer = kernel.name.split("/")[0];
    if (list.int8Convs) features.scales(layer).set(valuesOf(kernel.scales!));
    else features.setKernel(layer, valuesOf(kernel.name));
    features.bias(layer).set(valuesOf(`${layer}/bias`));
  }
}

/** Streams the shards into the network's memory, then sets what was kept whole (biases, scales…). */
async function loadWeights(
  opened: OpenedCheckpoint,
  list: WeightsList,
  features: SimdFeatures | TfjsFeatures,
  head: DenseHead,
): Promise<void> {
  const wholes = new Map<string, WholeSink>();
  await streamShards(opened, list.paths, list.specs, weightSinks(list, features, head, wholes));
  const values = new Map<string, Float32Array>();
  const valuesOf = (name: string): Float32Array => {
    let v = values.get(name);
    if (!v) {
      const spec = list.byName.get(name), sink = wholes.get(name);
      if (!spec || !sink) throw new CheckpointFormatError(`model.json has no weight ${name}`);
      v = weightValues(spec, sink.bytes, valuesOf);
      values.set(name, v);
    }
    return v;
  };
  fillHead(head, list, valuesOf);
  fillFeatures(features, list, valuesOf);
}

/**
 * @example
 * ```ts
 * const opened = await openCheckpoint(folderSource("runs/x/best"), trust);
 * const network = await decodeInferenceNetwork(opened);
 * ```
 */
export async function decodeInferenceNetwork(
  opened: OpenedCheckpoint,
  options: { relaxed?: boolean } = {},
): Promise<InferenceNetwork> {
  const { manifest } = opened;
  const list = await readWeightsList(opened);
  const head = await DenseHead.create(
    DENSE_LAYERS.map((name) => {
      const spec = list.kernelOf(name);
      return { name, ins: spec.shape[0], outs: spec.shape[1], encoding: headEncoding(spec), relu: name !== "fc8" };
    }),
    options,
  );
  const spec: InferenceSpec = {
    arch: manifest.arch,
    numClasses: manifest.classNames.length,
    inputSize: manifest.inputSize,
    groups: manifest.groups,
    width: manifest.width,
  };
  let features: SimdFeatures | TfjsFeatures;
  try {
    features = await createFeatures(spec, list.int8Convs, options.relaxed);
  } catch (error) {
    head.dispose();
    throw error;
  }
  try {
    await loadWeights(opened, list, features, head);
  } catch (error) {
    features.dispose();
    head.dispose();
    throw error;
  }
  return new InferenceNetwork(features, head, spec);
}

/** TF.js layers for the convolutions, on the process's backend: TF.js's layers are loaded only here. */
async function tfjsFeatures(spec: InferenceSpec): Promise<TfjsFeatures> {
  const { TfjsFeatures } = await import("../model/tfjs_features.ts");
  return TfjsFeatures.build(spec);
}

/** Reads the shards in order (the next one while the current one is placed), each verified, and hands every weight its bytes. */
async function streamShards(
  opened: OpenedCheckpoint,
  paths: string[],
  specs: WeightSpec[],
  sinks: WeightSink[],
): Promise<void> {
  const sizes = specs.map(storedBytes);
  const ahead = Math.max(1, opened.source.parallelReads ?? 1);
  // Sources that hand out bytes they already hold (files in memory) need no buffers.
  const buffers: Uint8Array[] = opened.source.readInto
    ? Array.from({ length: ahead + 1 }, () => new Uint8Array(SHARD_BUFFER_BYTES))
    : [];
  // Shard p is read into buffer p mod (ahead + 1): never the one being placed.
  const pending: Promise<Uint8Array>[] = [];
  const readUpTo = (last: number) => {
    while (pending.length <= Math.min(last, paths.length - 1)) {
      const into = buffers.length > 0 ? buffers[pending.length % buffers.length] : undefined;
      const read = readVerifiedFile(opened, paths[pending.length], into);
      // Handled now: a shard read ahead may fail (a bad digest) before its turn comes, and an
      // unhandled rejection would end the process instead of reaching the caller at its turn.
      read.catch(() => {});
      pending.push(read);
    }
  };
  let spec = 0, at = 0;
  try {
    for (let p = 0; p < paths.length; p++) {
      readUpTo(p + ahead);
      const shard = await pending[p];
      // A source may have read into another buffer than the one it was given (it took that one).
      if (buffers.length > 0) buffers[p % buffers.length] = new Uint8Array(shard.buffer);
      for (let k = 0; k < shard.length;) {
        if (spec >= specs.length) throw new CheckpointFormatError(`${paths[p]} holds bytes beyond the last weight`);
        const n = Math.min(shard.length - k, sizes[spec] - at);
        sinks[spec].write(at, shard.subarray(k, k + n));
        k += n;
        at += n;
        if (at === sizes[spec]) (spec++, at = 0);
      }
    }
  } finally {
    // Reads started ahead of a failure finish before their buffers are let go — at once, not
    // at V8's next collection (up to 20 MiB, a tenth of an edge isolate).
    await Promise.allSettled(pending);
    releaseBuffers(...buffers);
  }
  while (spec < specs.length && sizes[spec] === 0) spec++;
  if (spec < specs.length) {
    throw new CheckpointFormatError(`the weight shards end inside ${specs[spec].name}; the checkpoint is truncated`);
  }
}
