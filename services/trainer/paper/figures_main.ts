/**
 * `deno task figures --checkpoint REF --data DIR`: the paper's Fig. 3 (conv1 kernels) and
 * Fig. 4 (queries and their six nearest images by fc7 Euclidean distance) as PNG files.
 *
 * @module
 */
import { busIdentityFlags, busIdentityFrom, busIdentityHelp, downloadCheckpoint } from "../../../shared/bus/mod.ts";
import { describeBackendChoice, parseBackendName, selectBackend } from "../../../shared/backend/mod.ts";
import { numberFlag, parseFlags, ProgressBar, runCli, UsageError } from "../../../shared/cli/mod.ts";
import {
  encodeRgbPng,
  kernelGrid,
  loadImages,
  nearestByEuclidean,
  neighbourGrid,
  scanImageFolder,
} from "../../../shared/image/mod.ts";
import { evaluationCrops, openPredictor, type Predictor } from "../../../shared/predictor/mod.ts";

const HELP = `Draw the paper's Fig. 3 and Fig. 4 for a checkpoint.

Usage: deno task figures --checkpoint DIR|NAME[@VERSION] --data DIR [--nats URL] [--queries 5] [--out figures]
  Fig. 3: fig3-conv1-kernels.png, every conv1 kernel contrast-normalised.
  Fig. 4: fig4-fc7-neighbours.png, query images (spread evenly over DIR) in the first column and the 6 other images
          of DIR with the smallest fc7 Euclidean distance beside each.
NATS identity, with --nats:
${busIdentityHelp()}`;

const png = encodeRgbPng;

/** Fig. 3: the conv1 kernels as a grid of coloured patches. */
async function writeFig3(predictor: Predictor, out: string): Promise<void> {
  const { manifest } = predictor;
  const kernel = await predictor.kernel("conv1");
  const count = kernel.shape[3];
  const fig3 = kernelGrid(kernel.values, kernel.shape, count % 12 === 0 && count > 64 ? 12 : 8);
  await Deno.writeFile(`${out}/fig3-conv1-kernels.png`, png(fig3));
  console.log(`${out}/fig3-conv1-kernels.png: ${count} conv1 kernels of ${manifest.name}@${manifest.version}`);
}

/** Fig. 4: `queries` images spread over the folder, each beside its six nearest by fc7 Euclidean distance. */
async function writeFig4(predictor: Predictor, data: string, queries: number, out: string): Promise<void> {
  const folder = await scanImageFolder(data);
  const loaded = await loadImages(folder.files, predictor.manifest.resizeSize);
  if (loaded.images.length < queries + 6) throw new UsageError(`${data} needs at least ${queries + 6} readable images`);
  // The crops the network sees, shown in the figure.
  const crops = loaded.images.map((image) => evaluationCrops(image, predictor.manifest)[0]);
  const fc7: Float32Array[] = [];
  const bar = new ProgressBar("fc7", crops.length, { unit: "images" });
  for (let start = 0; start < loaded.images.length; start += 32) {
    const part = loaded.images.slice(start, start + 32);
    fc7.push(...await predictor.embed(part, "fc7"));
    bar.tick(part.length);
  }
  bar.done();
  const picks = Array.from({ length: queries }, (_, q) => Math.floor(((q + 0.5) * crops.length) / queries));
  const rows = picks.map((q) => ({
    query: crops[q],
    neighbours: nearestByEuclidean(fc7[q], fc7, 6, q).map((i) => crops[i]),
  }));
  await Deno.writeFile(`${out}/fig4-fc7-neighbours.png`, png(neighbourGrid(rows)));
  for (const q of picks) {
    const names = nearestByEuclidean(fc7[q], fc7, 6, q).map((i) => loaded.paths[i].split("/").at(-1));
    console.log(`query ${loaded.paths[q].split("/").at(-1)}: ${names.join(" ")}`);
  }
  console.log(`${out}/fig4-fc7-neighbours.png: ${queries} queries × 6 nearest by fc7 Euclidean distance`);
}

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
  const queries = numberFlag("queries", v.queries, { min: 1 });
  console.error(describeBackendChoice(await selectBackend(parseBackendName(v.backend))));
  const predictor = await openPredictor(v.checkpoint, {
    fetchNamed: v.nats
      ? (ref) => downloadCheckpoint(v.nats!, ref, { client: "figures", identity: busIdentityFrom(v) })
      : null,
  });
  try {
    await Deno.mkdir(v.out, { recursive: true });
    await writeFig3(predictor, v.out);
    await writeFig4(predictor, v.data, queries, v.out);
  } finally {
    predictor.dispose();
  }
  return 0;
}

if (import.meta.main) await runCli(() => main(Deno.args));
