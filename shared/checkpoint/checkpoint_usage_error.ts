/**
 * A checkpoint a command was pointed at and cannot use — no manifest, a missing or malformed
 * file, a digest that does not match, a refused signature — is a mistake in how it was called:
 * one line and exit 2, not a stack trace.
 *
 * @module
 */
import { UsageError } from "../cli/usage_error.ts";
import { CheckpointDigestError, CheckpointFormatError } from "./checkpoint_files.ts";
import { CheckpointSignatureError } from "./checkpoint_signature.ts";

/**
 * The checkpoint errors as a {@linkcode UsageError} that names `where`; any other error as it is.
 *
 * @example
 * ```ts
 * const files = await readCheckpointDir(dir).catch((e) => { throw asCheckpointUsageError(dir, e); });
 * ```
 */
export function asCheckpointUsageError(where: string, error: unknown): unknown {
  const refused = error instanceof CheckpointFormatError || error instanceof CheckpointDigestError ||
    error instanceof CheckpointSignatureError;
  if (!refused) return error;
  const message = (error as Error).message;
  return new UsageError(message.includes(where) ? message : `${where}: ${message}`);
}
