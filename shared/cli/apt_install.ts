/**
 * Installs Debian packages when that is possible (root on a machine with apt-get), for the
 * tools the stack and the tests need (nats-server, chromium). Elsewhere it says so and the
 * caller prints its own install hint.
 *
 * @module
 */

async function run(cmd: string, args: string[]): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(cmd, {
      args,
      stdout: "inherit",
      stderr: "inherit",
      env: { DEBIAN_FRONTEND: "noninteractive" },
    }).output();
    return success;
  } catch {
    return false;
  }
}

/** True when `apt-get install` can run here (root, apt-get present). */
export async function canAptInstall(): Promise<boolean> {
  return Deno.uid?.() === 0 && await Deno.stat("/usr/bin/apt-get").then(() => true, () => false);
}

/**
 * `apt-get update` (once per process) and `apt-get install -y PACKAGES`; false when either fails.
 *
 * @example
 * ```ts
 * if (await canAptInstall()) await aptInstall(["nats-server"]);
 * ```
 */
export async function aptInstall(packages: string[]): Promise<boolean> {
  console.error(`installing Debian packages: apt-get install -y ${packages.join(" ")}`);
  updated ??= run("apt-get", ["update", "-qq"]);
  if (!(await updated)) return false;
  return await run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages]);
}
let updated: Promise<boolean> | undefined;
