/**
 * A checkpoint folder on disk: the same files as in the object store, `manifest.json` written
 * last so that a reader who finds it finds every file it lists.
 *
 * @module
 */
import { type CheckpointFiles, CheckpointFormatError } from "./checkpoint_files.ts";
import { SIGNATURE_FILE } from "./checkpoint_signature.ts";
import { assertSafeFileName, type CheckpointSource } from "./checkpoint_source.ts";

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
 * The checkpoint in `dir`, read file by file.
 *
 * @example
 * ```ts
 * const { manifest } = await openCheckpoint(folderSource("runs/x/best"), trust);
 * ```
 */
export function folderSource(dir: string): CheckpointSource {
  const failed = (path: string, error: unknown) => {
    if (error instanceof Deno.errors.NotFound) return null;
    throw new CheckpointFormatError(`cannot read ${dir}/${path}: ${(error as Error).message}`);
  };
  return {
    location: dir,
    async read(path) {
      assertSafeFileName(path);
      try {
        return await Deno.readFile(`${dir}/${path}`);
      } catch (error) {
        return failed(path, error);
      }
    },
    async readInto(path, into) {
      assertSafeFileName(path);
      let file: Deno.FsFile;
      try {
        file = await Deno.open(`${dir}/${path}`);
      } catch (error) {
        return failed(path, error);
      }
      try {
        const { size } = await file.stat();
        const target = size <= into.byteLength ? into.subarray(0, size) : new Uint8Array(size);
        for (let at = 0; at < size;) {
          const n = await file.read(target.subarray(at));
          if (n === null) throw new CheckpointFormatError(`${dir}/${path} ended after ${at} of ${size} bytes`);
          at += n;
        }
        return target;
      } finally {
        file.close();
      }
    },
  };
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
  const source = folderSource(dir);
  const raw = await source.read("manifest.json");
  if (!raw) throw new CheckpointFormatError(`${dir} is not a checkpoint: it has no readable manifest.json`);
  const files: CheckpointFiles = new Map([["manifest.json", raw]]);
  let listed: Record<string, string>;
  try {
    listed = JSON.parse(new TextDecoder().decode(raw)).files ?? {};
  } catch {
    throw new CheckpointFormatError(`${dir}/manifest.json is not valid JSON`);
  }
  for (const path of Object.keys(listed)) {
    const bytes = await source.read(path);
    if (!bytes) throw new CheckpointFormatError(`checkpoint file ${dir}/${path} is missing`);
    files.set(path, bytes);
  }
  const signature = await source.read(SIGNATURE_FILE);
  if (signature) files.set(SIGNATURE_FILE, signature);
  return files;
}
