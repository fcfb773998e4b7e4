/**
 * `deno task figures --checkpoint REF --data DIR`: the paper's Fig. 3 (conv1 kernels) and
 * Fig. 4 (queries and their six nearest images by fc7 Euclidean distance) as PNG files.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { encodeRgbPng } from "../../shared/image/encode_png.ts";
import { describeBackendChoice, parseBackendName, selectBackend } from "../../shared/backend/select_backend.ts";
import { connectBus } from "../../shared/bus/connect_bus.ts";
import { resolveCheckpoint } from "../../shared/bus/resolve_checkpoint.ts";
import { parseFlags } from "../../shared/cli/parse_flags.ts";
import { ProgressBar } from "../../shared/cli/progress_bar.ts";
import { runCli, UsageError } from "../../shared/cli/usage_error.ts";
import { centerCrop } from "../../shared/image/crop_image.ts";
import { scanImageFolder } from "../../shared/image/image_folder.ts";
import { loadImages } from "../../shared/image/load_images.ts";
import { normalizeBatch } from "../../shared/image/normalize_batch.ts";
import { kernelGrid, nearestByEuclidean, neighbourGrid } from "../../shared/image/paper_figures.ts";

const HELP = `Draw the paper's Fig. 3 and Fig. 4 for a checkpoint.

Usage: deno task figures --checkpoint DIR|NAME[@VERSION] --data DIR [--nats URL] [--queries 5] [--out figures]
  Fig. 3: fig3-conv1-kernels.png, every conv1 kernel contrast-normalised.
  Fig. 4: fig4-fc7-neighbours.png, query images (spread evenly over DIR) in the first column and the 6 other images
          of DIR with the smallest fc7 Euclidean distance beside each.`;

const png = encodeRgbPng;

async function main(args: string[]): Promise<number> {
  const { values: v } = parseFlags({
    args,
    options: {
      checkpoint: { type: "string" },
      data: { type: "string" },
      nats: { type: "string" },
      queries: { type: "string", default: "5" },
      out: { type: "string", default: "figures" },
      backend: { type: "string", default: "auto" },
      help: { type: "boolean" },
    },
  });
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  if (!v.checkpoint || !v.data) throw new UsageError("--checkpoint REF and --data DIR are required (see --help)");
  const queries = Number(v.queries);
  if (!Number.isInteger(queries) || queries < 1) {
    throw new UsageError(`--queries must be a positive integer, got "${v.queries}"`);
  }
  const backend = parseBackendName(v.backend);
  console.error(describeBackendChoice(await selectBackend(backend)));
  const nc = v.nats ? await connectBus(v.nats, "figures") : undefined;
  const { manifest, model } = await resolveCheckpoint(v.checkpoint, nc);
  await nc?.close();
  await Deno.mkdir(v.out!, { recursive: true });

  const [kernel] = model.network.getLayer("conv1").getWeights();
  const count = kernel.shape[3]!;
  const fig3 = kernelGrid(await kernel.data(), kernel.shape as number[], count % 12 === 0 && count > 64 ? 12 : 8);
  await Deno.writeFile(`${v.out}/fig3-conv1-kernels.png`, png(fig3));
  console.log(`${v.out}/fig3-conv1-kernels.png: ${count} conv1 kernels of ${manifest.name}@${manifest.version}`);

  const folder = await scanImageFolder(v.data);
  const loaded = await loadImages(folder.files, manifest.resizeSize);
  if (loaded.images.length < queries + 6) {
    throw new UsageError(`${v.data} needs at least ${queries + 6} readable images`);
  }
  const crops = loaded.images.map((image) => centerCrop(image, manifest.inputSize));
  const size = manifest.inputSize;
  const fc7: Float32Array[] = [];
  const bar = new ProgressBar("fc7", crops.length, { unit: "images" });
  for (let start = 0; start < crops.length; start += 32) {
    const part = crops.slice(start, start + 32);
    const batch = tf.tensor4d(normalizeBatch(part, manifest.normalization), [part.length, size, size, 3]);
    fc7.push(...await model.embed(batch, "fc7"));
    batch.dispose();
    bar.tick(part.length);
  }
  bar.done();
  model.dispose();
  const picks = Array.from({ length: queries }, (_, q) => Math.floor(((q + 0.5) * crops.length) / queries));
  const rows = picks.map((q) => ({
    query: crops[q],
    neighbours: nearestByEuclidean(fc7[q], fc7, 6, q).map((i) => crops[i]),
  }));
  await Deno.writeFile(`${v.out}/fig4-fc7-neighbours.png`, png(neighbourGrid(rows)));
  for (const q of picks) {
    const names = nearestByEuclidean(fc7[q], fc7, 6, q).map((i) => loaded.paths[i].split("/").at(-1));
    console.log(`query ${loaded.paths[q].split("/").at(-1)}: ${names.join(" ")}`);
  }
  console.log(`${v.out}/fig4-fc7-neighbours.png: ${queries} queries × 6 nearest by fc7 Euclidean distance`);
  return 0;
}

if (import.meta.main) await runCli(() => main(Deno.args));
