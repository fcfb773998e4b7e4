/**
 * Telling the bus's failures apart: NATS refused an operation (the identity lacks the
 * permission) or NATS is not reachable right now (disconnected, restarting, no JetStream
 * answer in time) — the second is worth a retry, and services answer it with 503.
 *
 * @module
 */
import type { NatsConnection } from "nats";

const code = (error: unknown) => String((error as { code?: unknown } | null)?.code ?? "");

/** Whether NATS refused an operation because the identity lacks the permission. */
export function isPermissionViolation(error: unknown): boolean {
  return code(error) === "PERMISSIONS_VIOLATION";
}

const UNAVAILABLE = new Set(["TIMEOUT", "503", "408", "DISCONNECT", "CONNECTION_CLOSED", "CONNECTION_REFUSED"]);

/** Whether an error means NATS (or its JetStream) cannot be reached now, so retrying later may work. */
export function isBusUnavailable(error: unknown): boolean {
  if (UNAVAILABLE.has(code(error))) return true;
  const message = error instanceof Error ? error.message : String(error);
  return /timeout|no responders|disconnect|connection closed|temporarily unavailable|not connected/i.test(message);
}

/** Whether a connection is up now, following its status events. */
export interface ConnectionState {
  readonly connected: boolean;
}

/**
 * Follows `nc`'s disconnect/reconnect events, so a caller can refuse work at once while NATS
 * is away instead of letting nats.js buffer it and send it after the reconnect.
 *
 * @example
 * ```ts
 * const link = followConnection(nc);
 * if (!link.connected) throw new RequestError(503, "bus_unavailable", "…", 5);
 * ```
 */
export function followConnection(nc: NatsConnection): ConnectionState {
  const state = { connected: !nc.isClosed() };
  (async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect") state.connected = false;
      else if (status.type === "reconnect") state.connected = true;
    }
    state.connected = false;
  })().catch(() => {
    state.connected = false;
  });
  nc.closed().then(() => (state.connected = false));
  return state;
}
