/**
 * Where a checkpoint's files come from, read one file at a time: files already in memory (the
 * object store's download), a folder (`checkpoint_dir.ts`) or a URL (`checkpoint_url.ts`). A
 * loader that reads through a source holds one weight shard at a time instead of the whole
 * checkpoint, so the weights reach their final memory in one copy. Reading checks what a
 * reader must: the signature against the trust policy, the manifest's schema, file names that
 * stay inside the checkpoint, and every file's sha256 before its bytes are used.
 *
 * @module
 */
import { type CheckpointManifest } from "./checkpoint_manifest.ts";
import { CheckpointDigestError, type CheckpointFiles, CheckpointFormatError, sha256Hex } from "./checkpoint_files.ts";
import { parseManifest } from "./checkpoint_files.ts";
import { checkSignature, SIGNATURE_FILE, type TrustPolicy } from "./checkpoint_signature.ts";

/** A checkpoint's files, one at a time. */
export interface CheckpointSource {
  /** Where the files are, for messages (`runs/x/best`, `https://host/models/x/`, `memory`). */
  readonly location: string;
  /** A file's bytes, or null when the file does not exist; other failures throw. */
  read(path: string): Promise<Uint8Array | null>;
  /**
   * Optional: the file read into `into` (a larger buffer replaces it when the file does not
   * fit), returning the view it fills — for loaders that read many files and keep none, so that
   * loading makes no garbage the size of the checkpoint. The view may lie in another
   * ArrayBuffer than `into`'s (a URL source reads the body straight into the buffer, which
   * transfers it, leaving `into` detached): a loader reuses the returned view's buffer.
   */
  readInto?(path: string, into: Uint8Array): Promise<Uint8Array | null>;
  /** How many files a loader may read at once (a remote host hides its latency; default 1). */
  readonly parallelReads?: number;
}

/**
 * The files of a checkpoint already in memory.
 *
 * @example
 * ```ts
 * const source = filesSource(await fetchCheckpoint(nc, "cats-dogs"));
 * ```
 */
export function filesSource(files: CheckpointFiles, location = "memory"): CheckpointSource {
  return { location, read: (path) => Promise.resolve(files.get(path) ?? null) };
}

/** Throws unless `path` is a plain file name (no folders, no `..`, no hidden files). */
export function assertSafeFileName(path: string): void {
  if (path.length === 0 || path.includes("/") || path.includes("\\") || path.startsWith(".")) {
    throw new CheckpointFormatError(`manifest lists an unsafe file name: ${path}`);
  }
}

/** A checkpoint's manifest, checked, with its raw bytes and the key that signed it. */
export interface OpenedCheckpoint {
  source: CheckpointSource;
  manifest: CheckpointManifest;
  /** The signing key's id; null when unsigned (and allowed) or when no trust policy was given. */
  signedBy: string | null;
}

/**
 * Reads `manifest.json` (and `signature.json`), checks the signature against `trust` when one
 * is given, then the manifest's schema and its file names. The files themselves are checked as
 * they are read ({@linkcode readVerifiedFile}).
 *
 * @example
 * ```ts
 * const { manifest } = await openCheckpoint(folderSource("runs/x/best"), trust);
 * ```
 */
export async function openCheckpoint(source: CheckpointSource, trust?: TrustPolicy | null): Promise<OpenedCheckpoint> {
  const raw = await source.read("manifest.json");
  if (!raw) throw new CheckpointFormatError(`${source.location} is not a checkpoint: it has no readable manifest.json`);
  const head: CheckpointFiles = new Map([["manifest.json", raw]]);
  let signedBy: string | null = null;
  if (trust) {
    const signature = await source.read(SIGNATURE_FILE);
    if (signature) head.set(SIGNATURE_FILE, signature);
    signedBy = await checkSignature(head, trust);
  }
  const manifest = parseManifest(head);
  if (!("model.json" in manifest.files)) throw new CheckpointFormatError("manifest.json does not list model.json");
  Object.keys(manifest.files).forEach(assertSafeFileName);
  return { source, manifest, signedBy };
}

/**
 * One file of an opened checkpoint, after its sha256 matched the manifest's; read into `into`
 * when given and the source can (see {@linkcode CheckpointSource.readInto}).
 *
 * @example
 * ```ts
 * const modelJson = await readVerifiedFile(opened, "model.json");
 * ```
 */
export async function readVerifiedFile(opened: OpenedCheckpoint, path: string, into?: Uint8Array): Promise<Uint8Array> {
  const expected = opened.manifest.files[path];
  if (expected === undefined) throw new CheckpointFormatError(`checkpoint file ${path} is not covered by the manifest`);
  const { source } = opened;
  const bytes = into && source.readInto ? await source.readInto(path, into) : await source.read(path);
  if (!bytes) throw new CheckpointFormatError(`checkpoint file ${path} is missing from ${source.location}`);
  const actual = await sha256Hex(bytes);
  if (actual !== expected) {
    throw new CheckpointDigestError(
      `checkpoint file ${path} has sha256 ${actual.slice(0, 12)}…, manifest says ${expected.slice(0, 12)}…; ` +
        `the checkpoint is corrupt or was modified — re-download or re-export it`,
    );
  }
  return bytes;
}
