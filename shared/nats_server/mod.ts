/**
 * A real, scratch `nats-server -js` for whoever needs one: tests (which stop and restart it),
 * benches, and the local stack. Below the bus: it starts a process and knows nothing of our
 * subjects.
 *
 * @example
 * ```ts
 * import { withScratchNatsServer } from "../../shared/nats_server/mod.ts";
 * await withScratchNatsServer(async (nats) => console.log(nats.url));
 * ```
 *
 * @module
 */
export {
  findNatsServer,
  forwardLines,
  NatsServerMissingError,
  type NatsServerOptions,
  NatsServerProcess,
  withScratchNatsServer,
} from "./nats_server_process.ts";
