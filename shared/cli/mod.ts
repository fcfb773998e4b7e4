/**
 * What every command-line entry point shares: flag parsing with one-line usage errors (exit
 * status 2), progress bars with count, rate and ETA, polling, free ports, and Debian installs
 * of the tools the stack needs.
 *
 * @example
 * ```ts
 * import { parseFlags, runCli, UsageError } from "../../shared/cli/mod.ts";
 * if (import.meta.main) await runCli(() => main(Deno.args));
 * ```
 *
 * @module
 */
export { runCli, UsageError } from "./usage_error.ts";
export { parseFlags } from "./parse_flags.ts";
export { numberFlag, type NumberFlagRule } from "./number_flag.ts";
export { listFlag } from "./list_flag.ts";
export { formatDuration, ProgressBar, type ProgressBarOptions } from "./progress_bar.ts";
export { pollUntil } from "./poll_until.ts";
export { freePort } from "./free_port.ts";
export { aptInstall, canAptInstall } from "./apt_install.ts";
export { taskArgs, TaskCommandError, taskFor } from "./task_command.ts";
