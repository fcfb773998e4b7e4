/**
 * Connects to NATS, as an identity when one is given (see `bus_identity.ts`), with a clear
 * error when no server answers or the server refuses the credentials.
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { UsageError } from "../../cli/usage_error.ts";
import { busConnectOptions, type BusIdentity } from "./bus_identity.ts";
import { quietAbandonedSockets } from "./quiet_abandoned_sockets.ts";

/**
 * @example
 * ```ts
 * const nc = await connectBus("nats://127.0.0.1:4222", "inference", { nkey: "inference.nk" });
 * ```
 */
export async function connectBus(url: string, name = "alexnet-edge", identity?: BusIdentity): Promise<NatsConnection> {
  quietAbandonedSockets();
  const options = await busConnectOptions(identity);
  try {
    return await connect({ servers: url, name, timeout: 5000, maxReconnectAttempts: -1, ...options });
  } catch (error) {
    const message = (error as Error).message;
    if (/authorization|authentication|user authentication/i.test(message)) {
      throw new UsageError(
        `NATS at ${url} refused ${identity ? "these credentials" : "an anonymous connection"} (${message}); ` +
          "give the identity with --nats-nkey, --nats-creds or --nats-user",
      );
    }
    if (/tls|certificate|self.signed|SSL/i.test(message)) {
      throw new UsageError(`TLS with NATS at ${url} failed (${message}); check --nats-tls-ca/--nats-tls-cert`);
    }
    throw new UsageError(
      `cannot reach NATS at ${url} (${message}); start one with \`nats-server -js\``,
    );
  }
}
