/**
 * A loopback TCP port that nothing listens on right now, for servers a test, the local stack
 * or the bench starts (HTTP services, nats-server).
 *
 * @module
 */

/**
 * @example
 * ```ts
 * const port = freePort();
 * Deno.serve({ hostname: "127.0.0.1", port }, handler);
 * ```
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}
