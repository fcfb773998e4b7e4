/**
 * Request-reply over NATS, usually in a queue group (replicas share the load with no extra
 * configuration; without one, every subscriber answers — scatter-gather): each request's JSON is validated by a schema and answered; a request that
 * is not valid JSON or fails the schema is answered `{error: {code: "invalid_request"}}`, and an
 * error the answer throws is answered `{error: {code, message}}`.
 *
 * @module
 */
import type { NatsConnection, Subscription } from "nats";
import type { z } from "zod";

/** What {@linkcode serveRequests} needs. */
export interface RequestService<S extends z.ZodType> {
  subject: string;
  /** The queue group; none for requests every subscriber must answer. */
  queue?: string;
  schema: S;
  /** The reply to a valid request (serialised as JSON). */
  answer: (request: z.infer<S>) => Promise<unknown>;
  /** The `code` of an error `answer` threw. */
  errorCode: (error: unknown) => string;
}

/**
 * @example
 * ```ts
 * serveRequests(nc, { subject: INFERENCE_CLASSIFY, queue: INFERENCE_QUEUE_GROUP, schema, answer, errorCode });
 * ```
 */
export function serveRequests<S extends z.ZodType>(nc: NatsConnection, service: RequestService<S>): Subscription {
  return nc.subscribe(service.subject, {
    queue: service.queue,
    callback: async (error, message) => {
      if (error) return;
      let reply: unknown;
      try {
        let body: unknown;
        try {
          body = message.json();
        } catch {
          body = undefined;
        }
        const parsed = service.schema.safeParse(body);
        reply = parsed.success
          ? await service.answer(parsed.data)
          : { error: { code: "invalid_request", message: parsed.error.issues[0]?.message ?? "not JSON" } };
      } catch (failure) {
        reply = { error: { code: service.errorCode(failure), message: (failure as Error).message } };
      }
      message.respond(JSON.stringify(reply));
    },
  });
}
