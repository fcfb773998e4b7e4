/**
 * Telling the bus's failures apart: NATS refused an operation (the identity lacks the
 * permission) or NATS is not reachable right now (disconnected, restarting, no JetStream
 * answer in time) — the second is worth a retry, and services answer it with 503.
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/nats-core";

/** `error` and its causes (nats.js v3 wraps a request's failure: `RequestError` → `NoRespondersError` …). */
function* causes(error: unknown): Generator<unknown> {
  for (let at = error, depth = 0; at && depth < 8; at = (at as { cause?: unknown }).cause, depth++) yield at;
}

const nameOf = (error: unknown) => String((error as { name?: unknown } | null)?.name ?? "");
/** The status of an error: JetStream API errors keep the HTTP-like status in `status`, `code` being their own. */
const statusOf = (error: unknown) => {
  const e = error as { status?: unknown; code?: unknown } | null;
  return String(e?.status ?? e?.code ?? "");
};

/** Whether NATS refused an operation because the identity lacks the permission. */
export function isPermissionViolation(error: unknown): boolean {
  return [...causes(error)].some((e) => nameOf(e) === "PermissionViolationError");
}

/**
 * nats.js v3's errors for "not reachable now" (names, since the services package carries its own copy of
 * nats-core and `instanceof` would miss its errors), and JetStream's status codes for the same.
 */
const UNAVAILABLE_NAMES = new Set([
  "TimeoutError",
  "NoResponders",
  "NoRespondersError",
  "ClosedConnectionError",
  "DrainingConnectionError",
  "ConnectionError",
  "JetStreamNotEnabled",
]);
const UNAVAILABLE_CODES = new Set(["503", "408"]);

/** Whether an error means NATS (or its JetStream) cannot be reached now, so retrying later may work. */
export function isBusUnavailable(error: unknown): boolean {
  if (isPermissionViolation(error)) return false;
  for (const e of causes(error)) {
    if (UNAVAILABLE_NAMES.has(nameOf(e)) || UNAVAILABLE_CODES.has(statusOf(e))) return true;
    const message = e instanceof Error ? e.message : String(e);
    if (/timeout|no responders|disconnect|connection closed|temporarily unavailable|not connected/i.test(message)) {
      return true;
    }
  }
  return false;
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
