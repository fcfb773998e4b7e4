/**
 * Opens whatever a user passes as pretrained weights: a checkpoint folder of this project, or
 * a torchvision AlexNet `.pth` state_dict (imported on the fly, see
 * {@linkcode alexNetFromTorchvision}).
 *
 * @module
 */
import { basename } from "node:path";
import { readPthStateDict } from "../checkpoint/read_pth.ts";
import { loadCheckpointDir, type LoadedCheckpoint, manifestFor } from "./checkpoint_codec.ts";
import { alexNetFromTorchvision, torchvisionManifestInfo } from "./torchvision_alexnet.ts";

/** Reads and maps a torchvision `.pth`; the manifest describes it (its `files` is empty: nothing to verify). */
export async function loadTorchvisionPth(path: string, name?: string): Promise<LoadedCheckpoint> {
  const model = alexNetFromTorchvision(readPthStateDict(await Deno.readFile(path)));
  const stem = basename(path).replace(/\.pth$/, "");
  const info = torchvisionManifestInfo({
    name: name ?? stem.replace(/-[0-9a-f]{8,}$/, ""),
    version: /-([0-9a-f]{8,})$/.exec(stem)?.[1] ?? "imported",
    source: basename(path),
    numClasses: model.spec.numClasses,
  });
  return { manifest: manifestFor(model, info, {}), model };
}

/**
 * @example
 * ```ts
 * const { manifest, model } = await loadPretrained("weights/alexnet-owt-7be5be79.pth");
 * ```
 */
export async function loadPretrained(path: string): Promise<LoadedCheckpoint> {
  const info = await Deno.stat(path);
  return info.isFile ? await loadTorchvisionPth(path) : await loadCheckpointDir(path);
}
