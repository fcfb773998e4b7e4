/**
 * Makes sure a `nats-server` binary is available: prints where it is, or installs Debian's
 * package when this is a Debian/Ubuntu machine and we are root, or exits 1 with the install
 * commands for other systems. Run by `deno task test` before the tests.
 *
 * @module
 */
import { findNatsServer, NatsServerMissingError } from "../../shared/nats_server/mod.ts";
import { aptInstall, canAptInstall } from "../../shared/cli/mod.ts";

/** Returns the binary path, installing it with apt-get where that is possible. */
export async function ensureNatsServer(): Promise<string> {
  try {
    return findNatsServer();
  } catch (error) {
    if (!(error instanceof NatsServerMissingError)) throw error;
    if (!(await canAptInstall())) throw error;
    console.error("nats-server is missing");
    if (!(await aptInstall(["nats-server"]))) {
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
