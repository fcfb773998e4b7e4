/**
 * Search over NATS: request-reply on `alexnet.retrieval.search` in the queue group
 * `alexnet-retrieval`. Replies carry the model and results of the HTTP search on success,
 * `{error: {code, message}}` otherwise.
 *
 * @module
 */
import type { NatsConnection, Subscription } from "nats";
import {
  bytesFromBase64,
  RETRIEVAL_QUEUE_GROUP,
  RETRIEVAL_SEARCH,
  SearchRequestSchema,
  serveRequests,
} from "../../shared/bus/mod.ts";
import { describeError } from "../../shared/http/mod.ts";
import type { RetrievalLibrary } from "./retrieval_library.ts";

/**
 * @example
 * ```ts
 * const sub = serveSearchOverNats(nc, library, 10);
 * ```
 */
export function serveSearchOverNats(nc: NatsConnection, library: RetrievalLibrary, defaultK: number): Subscription {
  return serveRequests(nc, {
    subject: RETRIEVAL_SEARCH,
    queue: RETRIEVAL_QUEUE_GROUP,
    schema: SearchRequestSchema,
    answer: async (request) => {
      const query = request.id !== undefined ? { id: request.id } : { bytes: bytesFromBase64(request.image!) };
      return { model: library.status().model, ...await library.searchAnswer(query, request.k ?? defaultK) };
    },
    errorCode: (error) => describeError(error).code,
  });
}
