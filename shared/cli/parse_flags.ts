/**
 * `node:util`'s `parseArgs` with the CLI convention: an unknown or malformed flag is a
 * {@linkcode UsageError} (one line, exit 2) pointing at `--help`.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./usage_error.ts";

/**
 * @example
 * ```ts
 * const { values } = parseFlags({ args: Deno.args, options: { port: { type: "string" } } });
 * ```
 */
export function parseFlags<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (see --help)`);
  }
}
