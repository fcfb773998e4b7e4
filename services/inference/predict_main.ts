/**
 * Entry of `deno task predict`.
 *
 * @module
 */
import { busIdentityFlags, busIdentityFrom, busIdentityHelp, downloadCheckpoint } from "../../shared/bus/mod.ts";
import { BACKEND_NAMES, describeBackendChoice, parseBackendName, selectBackend } from "../../shared/backend/mod.ts";
import { parseFlags, runCli, UsageError } from "../../shared/cli/mod.ts";
import { openPredictor } from "../../shared/predictor/mod.ts";
import { predictImages, predictNpy } from "./predict.ts";

const HELP = `Classify images with a checkpoint.

Usage: deno task predict --checkpoint DIR|NAME[@VERSION] [--nats URL] [--topk 5] IMAGE…
       deno task predict --checkpoint … --npy FILE      raw logits for an exact float32 input
                                                        (NCHW [n,3,H,W] like torchvision, or NHWC)
Options: --backend ${BACKEND_NAMES.join("|")} (default auto), --help
Prints one JSON object per image (or per --npy row) on stdout.
NATS identity, with --nats:
${busIdentityHelp()}`;

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags({
    args,
    allowPositionals: true,
    options: {
      checkpoint: { type: "string" },
      nats: { type: "string" },
      ...busIdentityFlags(),
      topk: { type: "string" },
      npy: { type: "string" },
      backend: { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.checkpoint) throw new UsageError("--checkpoint DIR|NAME[@VERSION] is required (see --help)");
  if (!values.npy && positionals.length === 0) throw new UsageError("give at least one IMAGE, or --npy FILE");
  const topk = Number(values.topk ?? 5);
  if (!Number.isInteger(topk) || topk < 1) {
    throw new UsageError(`--topk must be a positive integer, got "${values.topk}"`);
  }
  const backend = parseBackendName(values.backend);
  console.error(describeBackendChoice(await selectBackend(backend)));
  const predictor = await openPredictor(values.checkpoint, {
    fetchNamed: values.nats
      ? (ref) => downloadCheckpoint(values.nats!, ref, { client: "predict", identity: busIdentityFrom(values) })
      : null,
  });
  try {
    if (values.npy) {
      const rows = await predictNpy(predictor, values.npy);
      rows.forEach((logits, row) => console.log(JSON.stringify({ row, logits: Array.from(logits) })));
    }
    for (const line of await predictImages(predictor, positionals, topk)) console.log(JSON.stringify(line));
  } finally {
    predictor.dispose();
  }
  return 0;
}

if (import.meta.main) await runCli(() => main(Deno.args));
