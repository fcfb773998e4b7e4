/**
 * Peak resident memory of a process, for the benches' tables.
 *
 * @module
 */

/**
 * Peak resident memory of a process in MiB (Linux `/proc/PID/status` VmHWM), or null where
 * there is no such file.
 *
 * @example
 * ```ts
 * const mib = await peakRssMiB(child.pid);
 * ```
 */
export async function peakRssMiB(pid: number | "self" = "self"): Promise<number | null> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : null;
  } catch {
    return null;
  }
}
