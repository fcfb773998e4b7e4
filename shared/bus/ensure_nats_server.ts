/**
 * Makes sure a `nats-server` binary is available: prints where it is, or installs Debian's
 * package when this is a Debian/Ubuntu machine and we are root, or exits 1 with the install
 * commands for other systems. Run by `deno task test` before the tests.
 *
 * @module
 */
import { findNatsServer, NatsServerMissingError } from "./nats_server_process.ts";

async function run(cmd: string, args: string[]): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(cmd, { args, stdout: "inherit", stderr: "inherit" }).output();
    return success;
  } catch {
    return false;
  }
}

/** Returns the binary path, installing it with apt-get where that is possible. */
export async function ensureNatsServer(): Promise<string> {
  try {
    return findNatsServer();
  } catch (error) {
    if (!(error instanceof NatsServerMissingError)) throw error;
    const isRoot = Deno.uid?.() === 0;
    const hasApt = await Deno.stat("/usr/bin/apt-get").then(() => true, () => false);
    if (!isRoot || !hasApt) throw error;
    console.error("nats-server is missing; installing Debian's package (apt-get install -y nats-server)…");
    const env = { DEBIAN_FRONTEND: "noninteractive" };
    Deno.env.set("DEBIAN_FRONTEND", env.DEBIAN_FRONTEND);
    if (
      !(await run("apt-get", ["update", "-qq"])) || !(await run("apt-get", ["install", "-y", "-qq", "nats-server"]))
    ) {
      throw new NatsServerMissingError(
        `apt-get could not install nats-server; ${error.message.split("; ").slice(1).join("; ")}`,
      );
    }
    return findNatsServer();
  }
}

if (import.meta.main) {
  try {
    console.error(`nats-server: ${await ensureNatsServer()}`);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
