/**
 * `deno task weights:import FILE.pth --out DIR`: turns a torchvision AlexNet state_dict (zip or
 * legacy format) into a normal checkpoint folder — ImageNet's classes, torchvision's
 * preprocessing — that `serve:inference --checkpoint DIR`, `predict` and `train --pretrained`
 * take like any other.
 *
 * @module
 */
import { selectBackend } from "../../../shared/backend/mod.ts";
import { encodeCheckpoint, loadTorchvisionPth } from "../../../shared/codec/mod.ts";
import { manifestInfo, PthFormatError, writeCheckpointDir } from "../../../shared/checkpoint/mod.ts";
import { parseFlags, runCli, UsageError } from "../../../shared/cli/mod.ts";

const HELP = `Import torchvision AlexNet weights (.pth) as a checkpoint folder.

Usage: deno task weights:import FILE.pth --out DIR [--name NAME]

  --out DIR     checkpoint folder to write (model.json, shards, manifest.json)
  --name NAME   model name in the manifest (default: the file name without its hash, e.g. alexnet-owt)`;

/**
 * Reads `pth`, maps it onto alexnet-owt and writes the checkpoint to `out`.
 *
 * @example
 * ```ts
 * await importWeights("weights/alexnet-owt-7be5be79.pth", "checkpoints/imagenet");
 * ```
 */
export async function importWeights(
  pth: string,
  out: string,
  options: { name?: string; log?: (line: string) => void } = {},
): Promise<void> {
  const log = options.log ?? ((line: string) => console.error(line));
  const started = performance.now();
  let loaded;
  try {
    loaded = await loadTorchvisionPth(pth, options.name);
  } catch (error) {
    if (error instanceof PthFormatError) throw new UsageError(`${pth}: ${error.message}`);
    if (error instanceof Deno.errors.NotFound) throw new UsageError(`${pth} does not exist`);
    throw error;
  }
  const { manifest, model } = loaded;
  try {
    const info = manifestInfo(manifest);
    await writeCheckpointDir(out, await encodeCheckpoint(model, info));
  } finally {
    model.dispose();
  }
  log(
    `imported ${pth} → ${out}: ${manifest.name}@${manifest.version}, alexnet-owt width ${manifest.width}, ` +
      `${manifest.classNames.length} classes, input ${manifest.inputSize} (resize ${manifest.resizeSize}), ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags({
    args,
    allowPositionals: true,
    options: { out: { type: "string" }, name: { type: "string" }, help: { type: "boolean" } },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError("give exactly one FILE.pth (see --help)");
  if (!values.out) throw new UsageError("--out DIR is required (see --help)");
  await selectBackend("cpu");
  await importWeights(positionals[0], values.out, { name: values.name });
  return 0;
}

if (import.meta.main) await runCli(() => main(Deno.args));
