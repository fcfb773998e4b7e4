/**
 * `deno task weights:download alexnet-owt`: fetches torchvision's ImageNet AlexNet weights with
 * progress, resume and the sha256-prefix check, and (with `--out`) imports them as a
 * checkpoint folder.
 *
 * @module
 */
import { selectBackend } from "../../../shared/backend/mod.ts";
import { downloadWeights, KNOWN_WEIGHTS, WeightsDownloadError } from "../../../shared/checkpoint/mod.ts";
import { parseFlags, runCli, UsageError } from "../../../shared/cli/mod.ts";
import { importWeights } from "./import_main.ts";

const HELP = `Download published ImageNet weights.

Usage: deno task weights:download NAME [--dir weights] [--out CHECKPOINT_DIR] [--base-url URL]

  NAME             ${Object.keys(KNOWN_WEIGHTS).join(", ")}
  --dir DIR        where the .pth goes (default weights/); an interrupted download resumes from DIR/FILE.part
  --out DIR        also import it as a checkpoint folder (as deno task weights:import does)
  --base-url URL   a mirror holding the same file name (default: download.pytorch.org/models/)`;

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags({
    args,
    allowPositionals: true,
    options: {
      dir: { type: "string", default: "weights" },
      out: { type: "string" },
      "base-url": { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const known = KNOWN_WEIGHTS[positionals[0] ?? ""];
  if (positionals.length !== 1 || !known) {
    throw new UsageError(`give one of: ${Object.keys(KNOWN_WEIGHTS).join(", ")} (see --help)`);
  }
  const base = values["base-url"];
  const url = base ? new URL(known.file, base.endsWith("/") ? base : `${base}/`).href : known.url;
  let path: string;
  try {
    path = await downloadWeights({ url, dir: values.dir });
  } catch (error) {
    if (error instanceof WeightsDownloadError) {
      console.error(`error: ${error.message}`);
      return 1;
    }
    throw error;
  }
  console.error(`${path}: sha256 prefix verified`);
  if (values.out) {
    await selectBackend("cpu");
    await importWeights(path, values.out);
  } else console.error(`next: deno task weights:import ${path} --out checkpoints/${positionals[0]}-imagenet`);
  return 0;
}

if (import.meta.main) await runCli(() => main(Deno.args));
