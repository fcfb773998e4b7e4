/**
 * Runs an HTTP server until SIGINT/SIGTERM, then stops accepting, runs the service's own
 * clean-up (NATS, models) and exits 0.
 *
 * @module
 */

/**
 * @example
 * ```ts
 * await serveUntilSignal(server, log, async () => { await nc.drain(); });
 * ```
 */
export async function serveUntilSignal(
  server: Deno.HttpServer,
  log: (line: string) => void,
  cleanUp: () => Promise<void> | void,
): Promise<void> {
  const shutdown = async () => {
    log("shutting down");
    await server.shutdown();
    await cleanUp();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", shutdown);
  Deno.addSignalListener("SIGTERM", shutdown);
  await server.finished;
}
