/**
 * A checkpoint folder on disk: the same files as in the object store, `manifest.json` written
 * last so that a reader who finds it finds every file it lists.
 *
 * @module
 */
import { type CheckpointFiles, CheckpointFormatError } from "./checkpoint_files.ts";
import { SIGNATURE_FILE } from "./checkpoint_signature.ts";

/**
 * Writes checkpoint files into `dir` (created if needed), manifest last.
 *
 * @example
 * ```ts
 * await writeCheckpointDir("runs/x/last", files);
 * ```
 */
export async function writeCheckpointDir(dir: string, files: CheckpointFiles): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (const [path, bytes] of files) {
    if (path !== "manifest.json") await Deno.writeFile(`${dir}/${path}`, bytes);
  }
  const manifest = files.get("manifest.json");
  if (!manifest) throw new CheckpointFormatError("checkpoint has no manifest.json");
  await Deno.writeFile(`${dir}/manifest.json`, manifest);
}

/**
 * Reads `manifest.json`, every file it lists and the signature when there is one from `dir`
 * (not yet verified).
 *
 * @example
 * ```ts
 * const files = await readCheckpointDir("runs/x/best");
 * ```
 */
export async function readCheckpointDir(dir: string): Promise<CheckpointFiles> {
  let raw: Uint8Array;
  try {
    raw = await Deno.readFile(`${dir}/manifest.json`);
  } catch {
    throw new CheckpointFormatError(`${dir} is not a checkpoint: it has no readable manifest.json`);
  }
  const files: CheckpointFiles = new Map([["manifest.json", raw]]);
  let listed: Record<string, string>;
  try {
    listed = JSON.parse(new TextDecoder().decode(raw)).files ?? {};
  } catch {
    throw new CheckpointFormatError(`${dir}/manifest.json is not valid JSON`);
  }
  for (const path of Object.keys(listed)) {
    if (path.includes("/") || path.includes("\\") || path.startsWith(".")) {
      throw new CheckpointFormatError(`manifest lists an unsafe file name: ${path}`);
    }
    try {
      files.set(path, await Deno.readFile(`${dir}/${path}`));
    } catch {
      throw new CheckpointFormatError(`checkpoint file ${dir}/${path} is missing`);
    }
  }
  const signature = await Deno.readFile(`${dir}/${SIGNATURE_FILE}`).catch(() => null);
  if (signature) files.set(SIGNATURE_FILE, signature);
  return files;
}
