/**
 * The flags of `deno task train` (also the arguments of a queued job and of
 * `experiment:transfer`) parsed once into a {@linkcode TrainConfig}; a user's mistake is a
 * {@linkcode UsageError} with a one-line message.
 *
 * @module
 */
import { BACKEND_NAMES, parseBackendName } from "../../shared/backend/mod.ts";
import { busIdentityFlags, busIdentityFrom, busIdentityHelp } from "../../shared/bus/mod.ts";
import { type Architecture, ARCHITECTURES, MIN_INPUT_SIZE } from "../../shared/checkpoint/mod.ts";
import { parseFlags, UsageError } from "../../shared/cli/mod.ts";
import { INIT_SCHEMES, type InitScheme } from "../../shared/model/mod.ts";
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from "./train_config.ts";

/** `deno task train --help`. */
export const TRAIN_HELP = `Train AlexNet on a folder of images (or on generated shapes when --data is omitted).

Usage: deno task train [--data DIR] [options]

Data
  --data DIR            Kaggle layout (cat.123.jpg) or one folder per class; detected automatically.
                        Without it: generated shapes (4 classes, 60 per class), input 63 px, batch 16
  --val DIR             validation folder (same classes); default: split off --val-split
  --val-split F         fraction held out for validation, per class (default 0.2)
  --limit N             at most N images per class (generated data: N per class, default 60)
  --seed N              seeds the split, shuffling, augmentation and initialisation (default 1)
Model
  --arch NAME           alexnet | alexnet-owt (default alexnet-owt)
  --groups 1|2          two-tower grouping of conv2/4/5 (alexnet only; default 1)
  --width F             scale every layer's channels and units (default 1, the paper's network)
  --init NAME           paper | torch | lecun (default paper for alexnet, lecun for alexnet-owt)
  --input-size N        square input edge, ≥ ${MIN_INPUT_SIZE} (default 227 alexnet, 224 alexnet-owt,
                        ${MIN_INPUT_SIZE} on generated shapes)
Optimisation (defaults from the paper, §5)
  --epochs N            (default 10)
  --batch-size N        (default 32; 16 on generated shapes)
  --lr F                learning rate (default 0.01), ÷10 when validation loss stops improving
  --patience N          epochs without improvement before the drop (default 2)
  --momentum F          (default 0.9)
  --weight-decay F      (default 5e-4)
  --augment LIST        any of crop,flip,pca, or none (default crop,flip,pca)
Output
  --out DIR             run folder (default runs/NAME/RUN_ID): last/, best/, metrics.jsonl, curves.svg/.png
  --resume DIR          continue from a checkpoint folder
  --pretrained PATH     initialise conv1–fc7 from a checkpoint folder or a torchvision AlexNet .pth
                        (fresh fc8): fine-tuning
  --freeze features     with --pretrained: keep the conv layers fixed, train fc6–fc8 only
  --name NAME           model name in checkpoints and on NATS (default alexnet)
  --nats URL            publish checkpoints and metrics to NATS (off by default), as the trainer identity below
${busIdentityHelp()}
  --signing-key FILE    sign every checkpoint with this private key (deno task keys:new; or ALEXNET_SIGNING_KEY);
                        services serve only checkpoints signed by keys they trust
  --submit              with --nats: queue this run as a job for a worker (deno task serve:trainer; as the admin)
                        instead of running it here; --data must be a path the worker can read
  --backend NAME        ${BACKEND_NAMES.join(" | ")} (default auto)
  --shader-f16          with --backend webgpu: filter gradients in half precision where the adapter offers
                        shader-f16 (about 6e-4 relative error against float32; see README "Speed on a GPU")
  --json                one JSON object per epoch on stdout
  --quiet               no progress bars
  --help                this text
`;

function number(
  flag: string,
  value: string | undefined,
  fallback: number,
  check: (n: number) => boolean,
  what: string,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || !check(n)) {
    throw new UsageError(`--${flag} must be ${what}, got "${value}"`);
  }
  return n;
}

function parseFreeze(freeze: string | undefined, pretrained: string | undefined): boolean {
  if (freeze === undefined) return false;
  if (freeze !== "features") throw new UsageError(`--freeze takes "features", got "${freeze}"`);
  if (pretrained === undefined) throw new UsageError("--freeze features needs --pretrained PATH");
  return true;
}

/** `deno task train`'s flags (`parseArgs` options). */
const TRAIN_OPTIONS = {
  data: { type: "string" },
  val: { type: "string" },
  "val-split": { type: "string" },
  limit: { type: "string" },
  seed: { type: "string" },
  arch: { type: "string" },
  groups: { type: "string" },
  init: { type: "string" },
  width: { type: "string" },
  "input-size": { type: "string" },
  epochs: { type: "string" },
  "batch-size": { type: "string" },
  lr: { type: "string" },
  patience: { type: "string" },
  momentum: { type: "string" },
  "weight-decay": { type: "string" },
  augment: { type: "string" },
  out: { type: "string" },
  resume: { type: "string" },
  pretrained: { type: "string" },
  freeze: { type: "string" },
  name: { type: "string" },
  nats: { type: "string" },
  ...busIdentityFlags(),
  "signing-key": { type: "string" },
  backend: { type: "string" },
  "shader-f16": { type: "boolean" },
  workers: { type: "string" },
  json: { type: "boolean" },
  quiet: { type: "boolean" },
  help: { type: "boolean" },
} as const;

type TrainValues = ReturnType<typeof parseFlags<{ args: string[]; options: typeof TRAIN_OPTIONS }>>["values"];

/** The network's shape and where it runs: `--arch`, `--groups`, `--init`, `--backend`, `--shader-f16`. */
function parseNetwork(parsed: TrainValues) {
  const d = DEFAULT_TRAIN_CONFIG;
  const arch = (parsed.arch ?? d.arch) as Architecture;
  if (!ARCHITECTURES.includes(arch)) {
    throw new UsageError(`--arch must be one of ${ARCHITECTURES.join(", ")}, got "${parsed.arch}"`);
  }
  const backend = parseBackendName(parsed.backend);
  const shaderF16 = parsed["shader-f16"] ?? false;
  if (shaderF16 && backend !== "webgpu") throw new UsageError("--shader-f16 needs --backend webgpu");
  const groups = number("groups", parsed.groups, d.groups, (n) => n === 1 || n === 2, "1 or 2") as 1 | 2;
  if (groups === 2 && arch !== "alexnet") {
    throw new UsageError("--groups 2 is the paper's two-tower layout; use it with --arch alexnet");
  }
  const init = (parsed.init ?? null) as InitScheme | null;
  if (init !== null && !INIT_SCHEMES.includes(init)) {
    throw new UsageError(`--init must be one of ${INIT_SCHEMES.join(", ")}, got "${parsed.init}"`);
  }
  const width = number("width", parsed.width, d.width, (n) => n > 0 && n <= 4, "in (0, 4]");
  return { arch, groups, init, width, backend, shaderF16 };
}

/** `--augment crop,flip,pca` (or `none`). */
function parseAugment(value: string | undefined): TrainConfig["augment"] {
  const list = (value ?? "crop,flip,pca").split(",").map((s) => s.trim()).filter(Boolean);
  for (const a of list) {
    if (!["crop", "flip", "pca", "none"].includes(a)) {
      throw new UsageError(`--augment takes crop, flip, pca or none, got "${a}"`);
    }
  }
  return { crop: list.includes("crop"), flip: list.includes("flip"), pca: list.includes("pca") };
}

/** The optimiser's settings: `--epochs`, `--batch-size`, `--lr`, `--patience`, `--momentum`, `--weight-decay`. */
function parseOptimiser(parsed: TrainValues, generated: boolean) {
  const d = DEFAULT_TRAIN_CONFIG;
  const int = (n: number) => Number.isInteger(n) && n > 0;
  return {
    epochs: number("epochs", parsed.epochs, d.epochs, int, "a positive integer"),
    batchSize: number("batch-size", parsed["batch-size"], generated ? 16 : d.batchSize, int, "a positive integer"),
    lr: number("lr", parsed.lr, d.lr, (n) => n > 0, "a positive number"),
    patience: number("patience", parsed.patience, d.patience, int, "a positive integer"),
    momentum: number("momentum", parsed.momentum, d.momentum, (n) => n >= 0 && n < 1, "in [0, 1)"),
    weightDecay: number("weight-decay", parsed["weight-decay"], d.weightDecay, (n) => n >= 0, "≥ 0"),
  };
}

/** Parses command-line flags; user mistakes throw {@linkcode UsageError}. */
export function parseTrainArgs(args: string[]): TrainConfig | "help" {
  const parsed = parseFlags({ args, strict: true, allowPositionals: false, options: TRAIN_OPTIONS }).values;
  if (parsed.help) return "help";
  const d = DEFAULT_TRAIN_CONFIG;
  const name = parsed.name ?? d.name;
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name)) {
    throw new UsageError(`--name may hold letters, digits, - and _ only, got "${name}"`);
  }
  // The generated shapes are small pictures: train them small and fast unless told otherwise.
  const generated = parsed.data === undefined;
  const inputSize = parsed["input-size"] === undefined
    ? (generated ? MIN_INPUT_SIZE : null)
    : number("input-size", parsed["input-size"], 0, (n) =>
      Number.isInteger(n) && n >= MIN_INPUT_SIZE, `an integer ≥ ${MIN_INPUT_SIZE}`);
  const positive = (n: number) => Number.isInteger(n) && n > 0;
  return {
    data: parsed.data ?? null,
    val: parsed.val ?? null,
    valSplit: number("val-split", parsed["val-split"], d.valSplit, (n) => n >= 0 && n < 1, "in [0, 1)"),
    seed: number("seed", parsed.seed, d.seed, Number.isInteger, "an integer"),
    limit: parsed.limit === undefined ? null : number("limit", parsed.limit, 0, positive, "a positive integer"),
    generatedPerClass: d.generatedPerClass,
    ...parseNetwork(parsed),
    inputSize,
    ...parseOptimiser(parsed, generated),
    augment: parseAugment(parsed.augment),
    out: parsed.out ?? null,
    resume: parsed.resume ?? null,
    pretrained: parsed.pretrained ?? null,
    freezeFeatures: parseFreeze(parsed.freeze, parsed.pretrained),
    workers: number("workers", parsed.workers, d.workers, (n) => positive(n) && n <= 64, "an integer from 1 to 64"),
    nats: parsed.nats ?? null,
    natsIdentity: busIdentityFrom(parsed),
    signingKey: parsed["signing-key"] ?? (Deno.env.get("ALEXNET_SIGNING_KEY") || null),
    name,
    json: parsed.json ?? false,
    quiet: parsed.quiet ?? false,
  };
}

/**
 * The job arguments for `--submit`: the command line without the submitter's own bus flags
 * (`--nats`, its identity — a password must not travel in a job — and `--submit`).
 */
export function jobArgs(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--submit" || /^--nats(-[a-z-]+)?=/.test(args[i])) continue;
    if (/^--nats(-[a-z-]+)?$/.test(args[i])) {
      i++;
      continue;
    }
    out.push(args[i]);
  }
  return out;
}
