/**
 * Peak resident memory of a process, for the benches' tables.
 *
 * @module
 */

/**
 * Peak resident memory of a process in MiB (Linux `/proc/PID/status` VmHWM), or null where
 * there is no such file. Read by `grep`: Deno lets only `--allow-all` read `/proc` itself, and the
 * benches run with their task's permissions (which may start programs).
 *
 * @example
 * ```ts
 * const mib = await peakRssMiB(child.pid);
 * ```
 */
export async function peakRssMiB(pid: number | "self" = "self"): Promise<number | null> {
  try {
    const { stdout } = await new Deno.Command("grep", {
      args: ["-h", "VmHWM", `/proc/${pid === "self" ? Deno.pid : pid}/status`],
      stderr: "null",
    }).output();
    const kb = Number(/VmHWM:\s+(\d+) kB/.exec(new TextDecoder().decode(stdout))?.[1]);
    return Number.isFinite(kb) && kb > 0 ? kb / 1024 : null;
  } catch {
    return null;
  }
}
