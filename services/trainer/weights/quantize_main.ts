/**
 * `deno task quantize --checkpoint DIR --to float16|int8 --out DIR [--data DIR]`: writes a
 * 2× (float16) or about 4× (int8, per output channel) smaller copy of a checkpoint and reports,
 * next to the sizes, the time to load each as the predictor serves it (fc6–fc8 stay in their
 * stored precision) and — with `--data`, real photos — the validation top-1 of both on the split
 * the training run held out (same seed, fraction and limit, from the manifest), the top-1
 * agreement with float32, the largest logit difference and the fc7 neighbours kept.
 *
 * @module
 */
import { parseBackendName, selectBackend } from "../../../shared/backend/mod.ts";
import {
  asCheckpointUsageError,
  quantizeCheckpoint,
  readCheckpointDir,
  WEIGHT_ENCODINGS,
  type WeightEncoding,
  writeCheckpointDir,
} from "../../../shared/checkpoint/mod.ts";
import { parseFlags, runCli, UsageError } from "../../../shared/cli/mod.ts";
import { loadPredictor, type Predictor, quantizationAgreement } from "../../../shared/predictor/mod.ts";
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from "../train_config.ts";
import { loadTrainingData } from "../training_data.ts";

const HELP = `Write a smaller (quantized) copy of a checkpoint.

Usage: deno task quantize --checkpoint DIR --to float16|int8 --out DIR [--data DIR]

  --to float16|int8   2× or about 4× smaller weight files (int8: one scale per output channel);
                      served in that precision (fc6–fc8 are multiplied as int8 or float16;
                      an int8 copy's convolutions too, without loading TF.js)
  --data DIR          also compare both on real photos: the run's held-out split (top-1 of each,
                      top-1 agreement, largest logit difference, fc7 top-10 neighbours kept)`;

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
  const timedLoad = async (dir: string) => {
    const t = performance.now();
    const predictor = await loadPredictor(dir);
    return { predictor, seconds: (performance.now() - t) / 1000 };
  };
  const a = await timedLoad(dir), b = await timedLoad(values.out);
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  const [ma, mb] = [a.predictor.manifest, b.predictor.manifest];
  console.log(
    `${ma.name}@${ma.version}: weights ${mib(weightBytes(original))}, load ${
      a.seconds.toFixed(2)
    } s → ${to} ${mb.version}: ${mib(weightBytes(small))} (${
      (weightBytes(original) / weightBytes(small)).toFixed(2)
    }× smaller), load ${b.seconds.toFixed(2)} s, ` +
      `fc6–fc8 held in ${mib(b.predictor.denseHead.memoryBytes)} of ${
        b.predictor.denseHead.encodings[0]
      }, convolutions in ${b.predictor.convolutions}; written to ${values.out}`,
  );
  try {
    if (values.data) await compareOnPhotos(a.predictor, b.predictor, values.data, to);
  } finally {
    a.predictor.dispose();
    b.predictor.dispose();
  }
  return 0;
}

/** Both predictors on the run's held-out split of `data`: accuracy, agreement, logits, fc7 neighbours. */
async function compareOnPhotos(original: Predictor, small: Predictor, data: string, to: string): Promise<void> {
  const t = original.manifest.training as Partial<TrainConfig>;
  const config: TrainConfig = {
    ...DEFAULT_TRAIN_CONFIG,
    data,
    val: null,
    valSplit: t.valSplit ?? DEFAULT_TRAIN_CONFIG.valSplit,
    seed: t.seed ?? DEFAULT_TRAIN_CONFIG.seed,
    limit: t.limit ?? null,
    quiet: true,
  };
  const { val } = await loadTrainingData(config, original.manifest.resizeSize, { log: (l) => console.error(l) });
  const top1 = async (p: Predictor) => {
    let hits = 0;
    for (const [i, image] of val.images.entries()) {
      const [best] = (await p.classify(image, { topk: 1 })).predictions;
      if (best.index === val.labels[i]) hits++;
    }
    return hits / val.images.length;
  };
  const [ta, tb] = [await top1(original), await top1(small)];
  const agreement = await quantizationAgreement(original, small, val.images);
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  console.log(
    `validation (${val.images.length} photos, seed ${config.seed}): top-1 float32 ${pct(ta)}, ${to} ${pct(tb)} ` +
      `(Δ ${((tb - ta) * 100).toFixed(2)} points); top-1 agreement ${pct(agreement.top1Agreement)}; largest logit ` +
      `difference ${agreement.maxLogitDifference.toExponential(2)} (${
        agreement.maxRelativeLogitDifference.toExponential(2)
      } of the largest logit); fc7 top-10 neighbours kept ${agreement.fc7Recall10.toFixed(3)}`,
  );
}

if (import.meta.main) await runCli(() => main(Deno.args));
