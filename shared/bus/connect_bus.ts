/**
 * Connects to NATS with a clear error when no server answers.
 *
 * @module
 */
import { connect, type NatsConnection } from "nats";
import { UsageError } from "../cli/usage_error.ts";

/**
 * @example
 * ```ts
 * const nc = await connectBus("nats://127.0.0.1:4222");
 * ```
 */
export async function connectBus(url: string, name = "alexnet-edge"): Promise<NatsConnection> {
  try {
    return await connect({ servers: url, name, timeout: 5000, maxReconnectAttempts: -1 });
  } catch (error) {
    throw new UsageError(
      `cannot reach NATS at ${url} (${(error as Error).message}); start one with \`nats-server -js\``,
    );
  }
}
