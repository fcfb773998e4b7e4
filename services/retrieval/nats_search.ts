/**
 * Search over NATS, as the NATS micro service `alexnet-retrieval`: request-reply on
 * `alexnet.retrieval.search` in the queue group `alexnet-retrieval`, and — on a shard — its part
 * of every sharded search on `alexnet.retrieval.shard.search`, answered by every shard (no queue
 * group; see `shard_search.ts`). `nats micro ls|info|stats` (`$SRV.*`) sees every replica and shard
 * with its counts. Replies carry the model and results of the HTTP search on success,
 * `{error: {code, message}}` otherwise.
 *
 * @module
 */
import {
  bytesFromBase64,
  type Endpoint,
  endpoint,
  type MicroService,
  type NatsConnection,
  RETRIEVAL_QUEUE_GROUP,
  RETRIEVAL_SEARCH,
  RETRIEVAL_SERVICE,
  SearchRequestSchema,
  SERVICES_VERSION,
  startMicroService,
} from "../../shared/bus/mod.ts";
import { describeError } from "../../shared/http/mod.ts";
import type { RetrievalLibrary } from "./retrieval_library.ts";
import { type ShardPart, shardSearchEndpoint } from "./shard_search.ts";

/** The `search` endpoint answered by `library`. */
export function searchEndpoint(library: RetrievalLibrary, defaultK: number): Endpoint {
  return endpoint({
    name: "search",
    subject: RETRIEVAL_SEARCH,
    schema: SearchRequestSchema,
    answer: async (request) => {
      const query = request.id !== undefined ? { id: request.id } : { bytes: bytesFromBase64(request.image!) };
      return { model: library.status().model, ...await library.searchAnswer(query, request.k ?? defaultK) };
    },
    describeError,
  });
}

/**
 * @example
 * ```ts
 * const service = serveRetrievalOverNats(nc, library, 10, shard ? library : undefined);
 * ```
 */
export function serveRetrievalOverNats(
  nc: NatsConnection,
  library: RetrievalLibrary,
  defaultK: number,
  shardPart?: ShardPart,
): MicroService {
  return startMicroService(nc, {
    name: RETRIEVAL_SERVICE,
    version: SERVICES_VERSION,
    description: "content-based image search over fc7 embeddings: an image or a catalogue id in, its neighbours out",
    queue: RETRIEVAL_QUEUE_GROUP,
    metadata: shardPart ? { shard: shardPart.shardName } : {},
    endpoints: [
      searchEndpoint(library, defaultK),
      ...(shardPart ? [shardSearchEndpoint(shardPart)] : []),
    ],
  });
}
