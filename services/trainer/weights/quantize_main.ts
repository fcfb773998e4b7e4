/**
 * `deno task quantize --checkpoint DIR --to float16|int8 --out DIR [--data DIR]`: writes a
 * 2× (float16) or 4× (int8) smaller copy of a checkpoint and reports, next to the sizes, the
 * load time of each and — with `--data` — the validation top-1 of both on the split the
 * training run held out (same seed, fraction and limit, from the manifest).
 *
 * @module
 */
import { parseBackendName, selectBackend } from "../../../shared/backend/mod.ts";
import { decodeCheckpoint } from "../../../shared/checkpoint/codec/mod.ts";
import {
  asCheckpointUsageError,
  quantizeCheckpoint,
  readCheckpointDir,
  WEIGHT_ENCODINGS,
  type WeightEncoding,
  writeCheckpointDir,
} from "../../../shared/checkpoint/mod.ts";
import { parseFlags, runCli, UsageError } from "../../../shared/cli/mod.ts";
import { evaluateSplit } from "../evaluate_split.ts";
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from "../train_config.ts";
import { loadTrainingData } from "../training_data.ts";

const HELP = `Write a smaller (quantized) copy of a checkpoint.

Usage: deno task quantize --checkpoint DIR --to float16|int8 --out DIR [--data DIR]

  --to float16|int8   2× or 4× smaller weight files (dequantized when loaded)
  --data DIR          also measure validation top-1 of both on the run's held-out split`;

const weightBytes = (files: Map<string, Uint8Array>) =>
  [...files].filter(([name]) => name.endsWith(".bin")).reduce((n, [, b]) => n + b.byteLength, 0);

async function main(args: string[]): Promise<number> {
  const { values } = parseFlags({
    args,
    options: {
      checkpoint: { type: "string" },
      to: { type: "string" },
      out: { type: "string" },
      data: { type: "string" },
      backend: { type: "string", default: "wasm" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.checkpoint || !values.out) {
    throw new UsageError("--checkpoint DIR and --out DIR are required (see --help)");
  }
  const to = values.to as WeightEncoding;
  if (!WEIGHT_ENCODINGS.includes(to) || to === "float32") throw new UsageError("--to must be float16 or int8");
  await selectBackend(parseBackendName(values.backend));
  const dir = values.checkpoint;
  const original = await readCheckpointDir(dir).catch((error) => {
    throw asCheckpointUsageError(dir, error);
  });
  const small = await quantizeCheckpoint(original, to).catch((error) => { // verifies the digests first
    throw asCheckpointUsageError(dir, error);
  });
  await writeCheckpointDir(values.out, small);
  const timedLoad = async (files: Map<string, Uint8Array>) => {
    const t = performance.now();
    const loaded = await decodeCheckpoint(files);
    return { loaded, seconds: (performance.now() - t) / 1000 };
  };
  const a = await timedLoad(original), b = await timedLoad(small);
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  console.log(
    `${a.loaded.manifest.name}@${a.loaded.manifest.version}: weights ${mib(weightBytes(original))}, load ${
      a.seconds.toFixed(2)
    } s → ${to} ${b.loaded.manifest.version}: ${mib(weightBytes(small))} (${
      (weightBytes(original) / weightBytes(small)).toFixed(2)
    }× smaller), load ${b.seconds.toFixed(2)} s; written to ${values.out}`,
  );
  if (values.data) {
    const t = a.loaded.manifest.training as Partial<TrainConfig>;
    const config: TrainConfig = {
      ...DEFAULT_TRAIN_CONFIG,
      data: values.data,
      val: null,
      valSplit: t.valSplit ?? DEFAULT_TRAIN_CONFIG.valSplit,
      seed: t.seed ?? DEFAULT_TRAIN_CONFIG.seed,
      limit: t.limit ?? null,
      quiet: true,
    };
    const { val } = await loadTrainingData(config, a.loaded.manifest.resizeSize, { log: (l) => console.error(l) });
    const [ea, eb] = [await evaluateSplit(a.loaded.model, val, 32), await evaluateSplit(b.loaded.model, val, 32)];
    console.log(
      `validation (${val.images.length} images, seed ${config.seed}): top-1 float32 ${(ea.top1 * 100).toFixed(2)}%, ` +
        `${to} ${(eb.top1 * 100).toFixed(2)}% (Δ ${((eb.top1 - ea.top1) * 100).toFixed(2)} points); ` +
        `loss ${ea.loss.toFixed(4)} → ${eb.loss.toFixed(4)}`,
    );
  }
  a.loaded.model.dispose();
  b.loaded.model.dispose();
  return 0;
}

if (import.meta.main) await runCli(() => main(Deno.args));
