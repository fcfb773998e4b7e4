/**
 * The retrieval HTTP API's schemas and OpenAPI routes (documented in `/openapi.json` and `/docs`;
 * the handlers in `image_routes.ts` and `search_routes.ts` validate with the same schemas).
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses } from "../../shared/http/mod.ts";

export const SearchQuerySchema = z.object({
  k: z.coerce.number().int().min(1).max(1000).optional().openapi({ description: "how many neighbours (default 10)" }),
});
export const SearchByIdSchema = z.object({ id: z.string().min(1), k: z.number().int().min(1).max(1000).optional() });
export const MetadataSchema = z.record(z.string(), z.unknown());
const HitSchema = z.object({
  id: z.string(),
  score: z.number(),
  metadata: MetadataSchema,
  thumbnailUrl: z.string(),
}).openapi("SearchHit");
const errors = errorResponses({
  400: "bad image or request",
  413: "body or pixel count over the limit",
  415: "not a JPEG or PNG",
  503: "no model yet, or overloaded (Retry-After)",
});
const binary = z.string().openapi({ format: "binary" });

export const addRoute = createRoute({
  method: "post",
  path: "/v1/images",
  summary: "Add an image (raw body, or multipart `image` with optional `id` and JSON `metadata`)",
  request: {
    body: {
      content: {
        "image/jpeg": { schema: binary },
        "image/png": { schema: binary },
        "multipart/form-data": {
          schema: z.object({ image: binary, id: z.string().optional(), metadata: z.string().optional() }),
        },
      },
    },
  },
  responses: {
    201: {
      description: "added",
      content: { "application/json": { schema: z.object({ id: z.string(), duplicate: z.boolean() }) } },
    },
    200: {
      description: "identical bytes were already stored",
      content: { "application/json": { schema: z.object({ id: z.string(), duplicate: z.boolean() }) } },
    },
    ...errors,
  },
});

export const searchRoute = createRoute({
  method: "post",
  path: "/v1/search",
  summary: "Nearest images by cosine similarity of embeddings: image bytes, or JSON {id, k}",
  request: {
    query: SearchQuerySchema,
    body: {
      content: {
        "image/jpeg": { schema: binary },
        "image/png": { schema: binary },
        "application/json": { schema: SearchByIdSchema },
      },
    },
  },
  responses: {
    200: {
      description: "neighbours, best first",
      content: {
        "application/json": {
          schema: z.object({
            model: z.object({ name: z.string(), version: z.string(), layer: z.string() }),
            results: z.array(HitSchema),
            partial: z.boolean().openapi({ description: "sharded: true when a shard did not answer in time" }),
            shards: z.object({ answered: z.number(), total: z.number() }).optional(),
            timings: z.object({ total: z.number() }),
          }),
        },
      },
    },
    ...errors,
  },
});
