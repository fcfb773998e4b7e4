/**
 * A mistake in how a command was called (bad flag, missing folder): the CLI prints its
 * message on one line and exits with status 2.
 *
 * @module
 */

/** Thrown by CLI cores for user mistakes; `main.ts` turns it into exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * Runs a CLI entry point: a {@linkcode UsageError} becomes one line on stderr and exit 2, and so
 * does an operation its task's permissions refuse (a folder, host or program the task does not
 * declare in `deno.json`: the line says how to allow it); anything else a stack trace and exit 1.
 *
 * @example
 * ```ts
 * await runCli(() => main(Deno.args));
 * ```
 */
export async function runCli(main: () => Promise<number | void>): Promise<never> {
  try {
    Deno.exit((await main()) ?? 0);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}`);
      Deno.exit(2);
    }
    if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
      // Deno's message names the resource and the flag that would allow it.
      console.error(`error: not permitted: ${(error as Error).message.split("\n")[0]}`);
      Deno.exit(2);
    }
    console.error(error);
    Deno.exit(1);
  }
}
