/**
 * `deno task figures --checkpoint REF --data DIR`: the paper's Fig. 3 (conv1 kernels) and
 * Fig. 4 (queries and their six nearest images by fc7 Euclidean distance) as PNG files.
 *
 * @module
 */
import { busIdentityFlags, busIdentityFrom, busIdentityHelp, downloadCheckpoint } from "../../../shared/bus/mod.ts";
import { describeBackendChoice, parseBackendName, selectBackend } from "../../../shared/backend/mod.ts";
import { parseFlags, ProgressBar, runCli, UsageError } from "../../../shared/cli/mod.ts";
import {
  encodeRgbPng,
  kernelGrid,
  loadImages,
  nearestByEuclidean,
  neighbourGrid,
  scanImageFolder,
} from "../../../shared/image/mod.ts";
import { evaluationCrops, openPredictor } from "../../../shared/predictor/mod.ts";

const HELP = `Draw the paper's Fig. 3 and Fig. 4 for a checkpoint.

Usage: deno task figures --checkpoint DIR|NAME[@VERSION] --data DIR [--nats URL] [--queries 5] [--out figures]
  Fig. 3: fig3-conv1-kernels.png, every conv1 kernel contrast-normalised.
  Fig. 4: fig4-fc7-neighbours.png, query images (spread evenly over DIR) in the first column and the 6 other images
          of DIR with the smallest fc7 Euclidean distance beside each.
NATS identity, with --nats:
${busIdentityHelp()}`;

const png = encodeRgbPng;

async function main(args: string[]): Promise<number> {
  const { values: v } = parseFlags({
    args,
    options: {
      checkpoint: { type: "string" },
      data: { type: "string" },
      nats: { type: "string" },
      ...busIdentityFlags(),
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
  const predictor = await openPredictor(v.checkpoint, {
    fetchNamed: v.nats
      ? (ref) => downloadCheckpoint(v.nats!, ref, { client: "figures", identity: busIdentityFrom(v) })
      : null,
  });
  const { manifest } = predictor;
  await Deno.mkdir(v.out!, { recursive: true });

  const kernel = await predictor.kernel("conv1");
  const count = kernel.shape[3];
  const fig3 = kernelGrid(kernel.values, kernel.shape, count % 12 === 0 && count > 64 ? 12 : 8);
  await Deno.writeFile(`${v.out}/fig3-conv1-kernels.png`, png(fig3));
  console.log(`${v.out}/fig3-conv1-kernels.png: ${count} conv1 kernels of ${manifest.name}@${manifest.version}`);

  const folder = await scanImageFolder(v.data);
  const loaded = await loadImages(folder.files, manifest.resizeSize);
  if (loaded.images.length < queries + 6) {
    throw new UsageError(`${v.data} needs at least ${queries + 6} readable images`);
  }
  // The crops the network sees, shown in the figure.
  const crops = loaded.images.map((image) => evaluationCrops(image, manifest)[0]);
  const fc7: Float32Array[] = [];
  const bar = new ProgressBar("fc7", crops.length, { unit: "images" });
  for (let start = 0; start < loaded.images.length; start += 32) {
    const part = loaded.images.slice(start, start + 32);
    fc7.push(...await predictor.embed(part, "fc7"));
    bar.tick(part.length);
  }
  bar.done();
  predictor.dispose();
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
