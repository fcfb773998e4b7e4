/**
 * `GET /v1/training/events`: the live training events (status, progress, epochs, checkpoints)
 * as server-sent events — first what the relay has seen, then `ready`, then each new one — for
 * the training page.
 *
 * @module
 */
import type { Env, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { errorJson } from "../../shared/http/mod.ts";
import type { TrainingRelay } from "./training_relay.ts";

/** The training routes' paths and methods, for the app's 405 table. */
export const TRAINING_METHODS: Record<string, string> = { "/v1/training/events": "GET" };

/**
 * @example
 * ```ts
 * mountTrainingRoutes(app, new TrainingRelay(nc));
 * ```
 */
export function mountTrainingRoutes<E extends Env>(app: Hono<E>, training?: TrainingRelay): void {
  app.get("/v1/training/events", (c) => {
    if (!training) return errorJson(c, 409, "not_connected", "start the service with --nats to see training events");
    return streamSSE(c, async (stream) => {
      for (const event of training.snapshot()) {
        await stream.writeSSE({ event: event.kind, data: JSON.stringify(event.data) });
      }
      await stream.writeSSE({ event: "ready", data: "{}" });
      const queue: Promise<void>[] = [];
      const off = training.listen((event) => {
        queue.push(stream.writeSSE({ event: event.kind, data: JSON.stringify(event.data) }));
      });
      // Comments keep proxies from closing an idle stream.
      const keepAlive = setInterval(() => queue.push(stream.write(": keep-alive\n\n").then(() => {})), 15_000);
      await new Promise<void>((resolve) => stream.onAbort(resolve));
      clearInterval(keepAlive);
      off();
      await Promise.allSettled(queue);
    });
  });
}
