/**
 * `POST /v1/search`: the nearest catalogue images to an image (raw bytes or multipart) or to a
 * catalogue id (JSON `{id, k}`), best first, with thumbnail links; on a shard, gathered from
 * every shard (`partial` when one did not answer in time).
 *
 * @module
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { errorResponse, readImageParts, RequestError } from "../../shared/http/mod.ts";
import type { Queued } from "./queued_job.ts";
import type { RetrievalLibrary, SearchAnswer, SearchHit } from "./retrieval_library.ts";
import { SearchByIdSchema, SearchQuerySchema, searchRoute } from "./retrieval_schemas.ts";

/** The search route's path and method, for the app's 405 table. */
export const SEARCH_METHODS: Record<string, string> = { "/v1/search": "POST" };

const hitsJson = (c: Context, hits: SearchHit[]) =>
  hits.map((h) => ({
    ...h,
    thumbnailUrl: new URL(`/v1/images/${encodeURIComponent(h.id)}/thumbnail`, c.req.url).pathname,
  }));

/** The answer to one search request, by id (JSON body) or by example (image body). */
async function answerSearch(c: Context, library: RetrievalLibrary, queued: Queued, defaultK: number) {
  const query = SearchQuerySchema.safeParse(c.req.query());
  if (!query.success) throw new RequestError(400, "invalid_request", `k: ${query.error.issues[0].message}`);
  const k = query.data.k ?? defaultK;
  if ((c.req.header("content-type") ?? "").startsWith("application/json")) {
    const body = SearchByIdSchema.safeParse(await c.req.json().catch(() => null));
    if (!body.success) throw new RequestError(400, "invalid_request", "JSON search body must be {id, k?}");
    return await queued(() => library.searchAnswer({ id: body.data.id }, body.data.k ?? k));
  }
  const { images: [bytes] } = await readImageParts(c);
  return await queued(() => library.searchAnswer({ bytes }, k));
}

/**
 * @example
 * ```ts
 * mountSearchRoutes(app, library, queued, 10);
 * ```
 */
export function mountSearchRoutes(app: OpenAPIHono, library: RetrievalLibrary, queued: Queued, defaultK: number) {
  app.openAPIRegistry.registerPath(searchRoute);
  app.post("/v1/search", async (c) => {
    const started = performance.now();
    try {
      const answer: SearchAnswer = await answerSearch(c, library, queued, defaultK);
      return c.json({
        model: library.status().model!,
        results: hitsJson(c, answer.results),
        partial: answer.partial,
        ...(answer.shards ? { shards: answer.shards } : {}),
        timings: { total: performance.now() - started },
      }, 200);
    } catch (error) {
      return errorResponse(c, error);
    }
  });
}
