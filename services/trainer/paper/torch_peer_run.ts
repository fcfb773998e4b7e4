/**
 * The same run in PyTorch (`experiment:transfer --peer torch`): a prepared run — its split, as
 * the trainer holds the images, its starting weights, its colour PCA — handed to
 * `torch_train_curves.py` with the recipe (input and resize size, batch, epochs, learning rate
 * and its plateau schedule, momentum, weight decay, augmentation, dropout), which trains it
 * there with its own random draws and reports each epoch as one JSON line.
 *
 * @module
 */
import { z } from "zod";
import { writeNpy } from "../../../shared/checkpoint/mod.ts";
import { IMAGENET_NORMALIZATION, type RgbImage } from "../../../shared/image/mod.ts";
import { LRN_DEFAULTS } from "../../../shared/model/mod.ts";
import type { PreparedRun } from "../app.ts";
import type { TrainConfig } from "../train_config.ts";

const SCRIPT = new URL("./torch_train_curves.py", import.meta.url).pathname;

/** One epoch of PyTorch's run, as its script prints it. */
export const PeerEpochSchema = z.object({
  epoch: z.number().int().positive(),
  trainLoss: z.number(),
  trainTop1: z.number(),
  valLoss: z.number(),
  valTop1: z.number(),
  learningRate: z.number(),
  seconds: z.number(),
});
export type PeerEpoch = z.infer<typeof PeerEpochSchema>;

/** Images of one size as one `[n, R, R, 3]` byte array. */
function pack(images: RgbImage[]): Uint8Array {
  const out = new Uint8Array(images.reduce((n, im) => n + im.data.length, 0));
  let at = 0;
  for (const image of images) {
    out.set(image.data, at);
    at += image.data.length;
  }
  return out;
}

/** Writes what PyTorch's run reads into `dir` (see `torch_train_curves.py`). */
export async function writePeerRun(prepared: PreparedRun, config: TrainConfig, dir: string): Promise<void> {
  const { model, data, pca } = prepared;
  await Deno.mkdir(dir, { recursive: true });
  const weights = model.network.weights;
  const start = await model.weightArrays();
  await Promise.all(
    start.map((values, i) => Deno.writeFile(`${dir}/w_${i}.npy`, writeNpy(weights[i].shape as number[], values))),
  );
  for (const [name, split] of [["train", data.train], ["val", data.val]] as const) {
    await Deno.writeFile(`${dir}/${name}.u8`, pack(split.images));
    await Deno.writeFile(`${dir}/${name}_labels.npy`, writeNpy([split.labels.length], Float32Array.from(split.labels)));
  }
  await Deno.writeTextFile(
    `${dir}/spec.json`,
    JSON.stringify({
      arch: prepared.arch,
      lrn: LRN_DEFAULTS,
      names: weights.map((w) => w.originalName),
      inputSize: prepared.inputSize,
      resizeSize: prepared.resizeSize,
      batchSize: config.batchSize,
      epochs: config.epochs,
      learningRate: config.lr,
      patience: config.patience,
      momentum: config.momentum,
      weightDecay: config.weightDecay,
      augment: { crop: config.augment.crop, flip: config.augment.flip },
      pca,
      normalization: IMAGENET_NORMALIZATION,
      seed: config.seed,
      freezeFeatures: config.freezeFeatures,
    }),
  );
}

/**
 * Runs PyTorch's side on `dir` (written by {@linkcode writePeerRun}); its progress goes to stderr,
 * each finished epoch to `onEpoch`.
 */
export async function trainPeer(
  python: string,
  dir: string,
  onEpoch: (epoch: PeerEpoch) => void = () => {},
): Promise<PeerEpoch[]> {
  const child = new Deno.Command(python, { args: [SCRIPT, "--dir", dir], stdout: "piped", stderr: "inherit" })
    .spawn();
  const epochs: PeerEpoch[] = [];
  let pending = "";
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    const lines = (pending + chunk).split("\n");
    pending = lines.pop()!;
    for (const line of lines.filter((l) => l.trim() !== "")) {
      const epoch = PeerEpochSchema.parse(JSON.parse(line));
      epochs.push(epoch);
      onEpoch(epoch);
    }
  }
  const { code } = await child.status;
  if (code !== 0) throw new Error(`PyTorch's run failed (exit ${code}; its error is above)`);
  return epochs;
}
