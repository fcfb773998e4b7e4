/**
 * nats.js's Node transport removes every listener from a socket before destroying it (after a
 * refused login, or when a server dies mid-connection). Under Deno a reset can still arrive on
 * that socket; with no `error` listener it becomes an uncaught exception, and since the
 * TensorFlow.js WASM backend installs an `uncaughtException` handler that rethrows, the
 * process dies. This keeps a do-nothing `error` listener on every socket the transport makes,
 * re-added whenever the transport strips them. nats.js still sees each connection close through
 * its own listeners and reconnects or reports it as before.
 *
 * TLS sockets get theirs the moment `tls.connect` makes them: the transport strips a TLS
 * socket's listeners inside its handshake callback, and a server that refuses the client's
 * certificate (`verify: true`) sends its fatal alert right after the handshake — if that alert
 * arrived before the transport's promise had handed the socket on, nothing was listening, and the
 * command died with "Uncaught Error: received fatal alert: BadCertificate" instead of its one-line
 * refusal (seen once under load in CI).
 *
 * @module
 */
import tls from "node:tls";
import { NodeTransport } from "@nats-io/transport-node/lib/node_transport.js";

type Socket = { on(event: string, listener: () => void): unknown; removeAllListeners(...args: unknown[]): unknown };
type Transport = { socket?: Socket };

const ignore = () => {};

function keepAnErrorListener(socket: Socket): Socket {
  const removeAll = socket.removeAllListeners.bind(socket);
  socket.removeAllListeners = (...args: unknown[]) => {
    const result = removeAll(...args);
    socket.on("error", ignore);
    return result;
  };
  socket.on("error", ignore);
  return socket;
}

let installed = false;

/** Patches the transport once per process (idempotent). */
export function quietAbandonedSockets(): void {
  if (installed) return;
  installed = true;
  const connectTls = tls.connect;
  (tls as unknown as { connect: (...args: unknown[]) => Socket }).connect = (...args: unknown[]) =>
    keepAnErrorListener((connectTls as (...a: unknown[]) => Socket)(...args));
  const proto = NodeTransport.prototype as unknown as Record<string, (...args: unknown[]) => Promise<Socket>>;
  for (const method of ["dial", "tlsFirst", "startTLS"]) {
    const original = proto[method];
    proto[method] = async function (this: Transport, ...args: unknown[]) {
      return keepAnErrorListener(await original.apply(this, args));
    };
  }
}
