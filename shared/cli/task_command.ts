/**
 * How a `deno task` runs its program, as arguments for `Deno.Command(Deno.execPath(), …)`: the
 * task's own permission set (`-P=NAME` of `deno.json`'s `permissions`) and script, with the
 * project's config. Processes that start other processes — the local stack, the tests, the
 * benches — start each service this way, so it runs with exactly the permissions its task
 * declares, never `-A`.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

const CONFIG_URL = new URL("../../deno.json", import.meta.url);

/** A task that is not `deno run|serve -P=SET script`. */
export class TaskCommandError extends Error {
  override name = "TaskCommandError";
}

/** `deno run|serve -q -P=SET script.ts`: verb, permission flag, script. */
const TASK_COMMAND = /^deno (run|serve) -q (-P=[\w-]+) (\S+\.ts)$/;

let tasks: Record<string, string> | undefined;

function allTasks(): Record<string, string> {
  tasks ??= JSON.parse(Deno.readTextFileSync(CONFIG_URL)).tasks as Record<string, string>;
  return tasks;
}

/**
 * The task that runs `script` (a path ending in the repository-relative script of a task, e.g.
 * `services/inference/main.ts`), so a test that knows the script runs it as its task.
 */
export function taskFor(script: string): string {
  const path = script.replace(/^file:\/\//, "").replaceAll("\\", "/");
  for (const [name, command] of Object.entries(allTasks())) {
    const target = command.match(TASK_COMMAND)?.[3];
    if (target && (path === target || path.endsWith(`/${target}`))) return name;
  }
  throw new TaskCommandError(`no task runs ${script}`);
}

/**
 * `run -P=SET --config …/deno.json …/script.ts` (or `serve …`) for task `name`; `grants` are
 * extra permission flags (e.g. `--allow-write=DIR` for an output folder a test chose), which
 * replace the set's value for that permission.
 *
 * @example
 * ```ts
 * const child = new Deno.Command(Deno.execPath(), { args: [...taskArgs("serve:inference"), "--port", "0"] }).spawn();
 * ```
 */
export function taskArgs(name: string, grants: string[] = []): string[] {
  const command = allTasks()[name];
  const match = command?.match(TASK_COMMAND);
  if (!match) throw new TaskCommandError(`task ${name} is not "deno run|serve -q -P=SET script.ts": ${command}`);
  const [, verb, permissions, script] = match;
  return [
    verb,
    // -q: no "permissions in the config file are experimental" warning before a command's one-line error.
    "-q",
    permissions,
    ...grants,
    "--config",
    fileURLToPath(CONFIG_URL),
    fileURLToPath(new URL(`../../${script}`, import.meta.url)),
  ];
}
