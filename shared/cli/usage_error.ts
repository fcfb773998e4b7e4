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
 * Runs a CLI entry point: a {@linkcode UsageError} becomes one line on stderr and exit 2,
 * anything else a stack trace and exit 1.
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
    console.error(error);
    Deno.exit(1);
  }
}
