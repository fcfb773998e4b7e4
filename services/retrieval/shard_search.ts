/**
 * Search across retrieval shards over NATS. Each shard answers `alexnet.retrieval.shard.search`
 * (no queue group: every shard gets every request) with its own best `k` for a query embedding
 * under one model version; the shard that took the client's request gathers the answers for
 * a bounded time and merges them. Shards that do not answer in time, or answer with an error
 * (another model version, no model yet), leave the answer `partial`.
 *
 * @module
 */
import {
  type Endpoint,
  endpoint,
  float32FromBase64,
  float32ToBase64,
  type NatsConnection,
  RETRIEVAL_SHARD_SEARCH,
  ShardSearchReplySchema,
  type ShardSearchRequest,
  ShardSearchRequestSchema,
} from "../../shared/bus/mod.ts";
import { describeError } from "../../shared/http/mod.ts";
import type { Neighbour } from "./vector_index.ts";

/** What a shard's part of a search needs from the library. */
export interface ShardPart {
  /** "I/N". */
  readonly shardName: string;
  searchPart(vector: Float32Array, k: number, exclude: ReadonlySet<string>, version: string): Promise<Neighbour[]>;
}

/** A query sent to every shard. */
export interface ScatterQuery {
  vector: Float32Array;
  k: number;
  exclude: string[];
  version: string;
}

/** The merged answer and how many shards gave it. */
export interface Gathered {
  hits: Neighbour[];
  answered: number;
  total: number;
}

/** The endpoint answering this shard's part of every search (no queue group: every shard answers). */
export function shardSearchEndpoint(part: ShardPart): Endpoint {
  return endpoint({
    name: "shard-search",
    subject: RETRIEVAL_SHARD_SEARCH,
    queue: null,
    schema: ShardSearchRequestSchema,
    answer: async (request: ShardSearchRequest) => ({
      shard: part.shardName,
      results: await part.searchPart(
        float32FromBase64(request.vector),
        request.k,
        new Set(request.exclude),
        request.version,
      ),
    }),
    describeError,
  });
}

/**
 * Sends `query` to all `total` shards and merges what comes back within `timeoutMs` (the best
 * `k`, each id once).
 */
export async function scatterSearch(
  nc: NatsConnection,
  query: ScatterQuery,
  total: number,
  timeoutMs: number,
): Promise<Gathered> {
  const request = {
    schema: "alexnet.retrieval.shard-search/v1",
    version: query.version,
    vector: float32ToBase64(query.vector),
    k: query.k,
    exclude: query.exclude,
  };
  const best = new Map<string, number>();
  const answered = new Set<string>();
  try {
    const replies = await nc.requestMany(RETRIEVAL_SHARD_SEARCH, JSON.stringify(request), {
      strategy: "count",
      maxMessages: total,
      maxWait: timeoutMs,
    });
    for await (const message of replies) {
      let body: unknown;
      try {
        body = message.json();
      } catch {
        continue;
      }
      const reply = ShardSearchReplySchema.safeParse(body);
      if (!reply.success || answered.has(reply.data.shard)) continue;
      answered.add(reply.data.shard);
      for (const { id, score } of reply.data.results) best.set(id, Math.max(score, best.get(id) ?? -Infinity));
    }
  } catch {
    // no shard answered at all (no responders, or the connection is down): an empty, partial answer
  }
  const hits = [...best].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score).slice(0, query.k);
  return { hits, answered: answered.size, total };
}
