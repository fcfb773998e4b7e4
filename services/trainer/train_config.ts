/**
 * What a training run is told (every `deno task train` flag, parsed once) and what it
 * reports back, with the paper's optimiser settings as defaults (§5).
 *
 * @module
 */
import type { NatsConnection } from "../../shared/bus/mod.ts";
import type { BusIdentity } from "../../shared/bus/mod.ts";
import type { BackendName } from "../../shared/backend/mod.ts";
import type { EpochMetrics } from "../../shared/bus/mod.ts";
import type { Architecture } from "../../shared/checkpoint/mod.ts";
import type { InitScheme } from "../../shared/model/mod.ts";

/** Everything `deno task train` accepts, parsed once by `parseTrainArgs`. */
export interface TrainConfig {
  /** Image folder; null trains on the generated shapes dataset. */
  data: string | null;
  val: string | null;
  valSplit: number;
  seed: number;
  limit: number | null;
  /** Images per class of the generated dataset. */
  generatedPerClass: number;
  arch: Architecture;
  groups: 1 | 2;
  /** null: the architecture's default (paper for alexnet, lecun for alexnet-owt). */
  init: InitScheme | null;
  /** Channel/unit multiplier; 1 is the paper's network. */
  width: number;
  inputSize: number | null;
  epochs: number;
  batchSize: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  /** Epochs without validation-loss improvement before the learning rate is divided by 10. */
  patience: number;
  augment: { crop: boolean; flip: boolean; pca: boolean };
  backend: BackendName;
  /** WebGPU: the filter-gradient GEMM in half precision (`shader-f16`). */
  shaderF16: boolean;
  out: string | null;
  resume: string | null;
  /** Checkpoint folder whose conv and hidden FC layers initialise the network (fine-tuning). */
  pretrained: string | null;
  /** With `pretrained`: train only fc6–fc8. */
  freezeFeatures: boolean;
  /** Data-parallel training processes (Web Workers, one WASM instance each); 1 trains in this thread. */
  workers: number;
  nats: string | null;
  /** How the run proves who it is to NATS (the trainer role); undefined: anonymous. */
  natsIdentity?: BusIdentity;
  /** Private key (JWK file) that signs every checkpoint; null: unsigned. */
  signingKey: string | null;
  name: string;
  /** Fixed run id (a worker uses the job id); default: a new time-sorted id. */
  runId?: string | null;
  json: boolean;
  quiet: boolean;
}

/** Defaults for every flag (the paper's optimiser settings). */
export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  data: null,
  val: null,
  valSplit: 0.2,
  seed: 1,
  limit: null,
  generatedPerClass: 60,
  arch: "alexnet-owt",
  groups: 1,
  init: null,
  width: 1,
  inputSize: null,
  epochs: 10,
  batchSize: 32,
  lr: 0.01,
  momentum: 0.9,
  weightDecay: 5e-4,
  patience: 2,
  augment: { crop: true, flip: true, pca: true },
  backend: "auto",
  shaderF16: false,
  out: null,
  resume: null,
  pretrained: null,
  freezeFeatures: false,
  workers: 1,
  nats: null,
  signingKey: null,
  name: "alexnet",
  json: false,
  quiet: false,
};

/** What a run produced. */
export interface TrainResult {
  runId: string;
  outDir: string;
  classNames: string[];
  epochs: EpochMetrics[];
  bestEpoch: number;
  skipped: { path: string; reason: string }[];
  ignored: string[];
  trainCount: number;
  valCount: number;
  publishedVersions: string[];
}

/** Where the run reports: human lines, JSON lines, and an optional bus. */
export interface TrainIo {
  log: (line: string) => void;
  stdout: (line: string) => void;
  nats?: NatsConnection;
  /** Name of the worker running this (in status events). */
  worker?: string;
}
