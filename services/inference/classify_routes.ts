/**
 * The classify routes — `POST /v1/classify` (a raw JPEG/PNG body or multipart field `image`) and
 * `POST /v1/classify/batch` (several `image` fields) — with their OpenAPI schemas, body limit
 * and error mapping. Mounted by the inference service's app and by the edge function, so both
 * answer with the same JSON and document the same operations.
 *
 * @module
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import {
  errorJson,
  errorResponse,
  errorResponses,
  ErrorSchema,
  QueueFullError,
  readImageParts,
  RequestError,
} from "../../shared/http/mod.ts";
import { NoModelError } from "../../shared/predictor/mod.ts";
import type { InferenceEngine } from "./inference_engine.ts";

/** Limits of the service (the pixel limit lives in the engine, shared with NATS). */
export interface InferenceLimits {
  maxBodyBytes: number;
  defaultTopk: number;
  /** Seconds a client is told to wait when the queue is full. */
  retryAfterSeconds: number;
}

/** Defaults: 20 MB bodies, top-5. */
export const DEFAULT_LIMITS: InferenceLimits = {
  maxBodyBytes: 20 * 1024 * 1024,
  defaultTopk: 5,
  retryAfterSeconds: 1,
};

const PredictionSchema = z.object({
  index: z.number().int(),
  label: z.string(),
  labels: z.object({ en: z.string(), zh: z.string() }),
  probability: z.number(),
}).openapi("Prediction");

/** What a classify call answers. */
export const ClassifyResponseSchema = z.object({
  model: z.object({ name: z.string(), version: z.string() }),
  predictions: z.array(PredictionSchema),
  timings: z.object({ decode: z.number(), preprocess: z.number(), infer: z.number(), total: z.number() })
    .openapi({ description: "milliseconds" }),
}).openapi("ClassifyResponse");

const ClassifyQuerySchema = z.object({
  topk: z.coerce.number().int().min(1).max(1000).optional().openapi({ description: "how many classes (default 5)" }),
  tta: z.enum(["center", "ten-crop"]).default("center").openapi({
    description: "centre crop, or the paper's ten crops averaged",
  }),
});

const imageBody = {
  content: {
    "image/jpeg": { schema: z.string().openapi({ format: "binary" }) },
    "image/png": { schema: z.string().openapi({ format: "binary" }) },
    "multipart/form-data": { schema: z.object({ image: z.string().openapi({ format: "binary" }) }) },
  },
  required: true,
};

const errors = errorResponses({
  400: "empty, truncated or corrupt image; bad query",
  413: "body or pixel count over the limit",
  415: "not a JPEG or PNG",
  503: "no model yet, or the queue is full (Retry-After)",
});

const classifyRoute = createRoute({
  method: "post",
  path: "/v1/classify",
  summary: "Classify one image (raw JPEG/PNG body, or multipart field `image`)",
  request: { query: ClassifyQuerySchema, body: imageBody },
  responses: {
    200: { description: "top-k classes", content: { "application/json": { schema: ClassifyResponseSchema } } },
    ...errors,
  },
});

const batchRoute = createRoute({
  method: "post",
  path: "/v1/classify/batch",
  summary: "Classify several images sent as multipart fields named `image`; one result each",
  request: {
    query: ClassifyQuerySchema,
    body: {
      content: {
        "multipart/form-data": { schema: z.object({ image: z.array(z.string().openapi({ format: "binary" })) }) },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description: "one entry per image, in order",
      content: {
        "application/json": {
          schema: z.object({
            results: z.array(z.union([ClassifyResponseSchema, ErrorSchema.extend({ image: z.number().int() })])),
          }),
        },
      },
    },
    ...errors,
  },
});

/** Maps inference errors to responses; the rest (image errors, pixel limit…) go to the shared mapping. */
export function toErrorResponse(c: Context, error: unknown, retryAfter: number) {
  if (error instanceof QueueFullError) {
    return errorJson(c, 503, "overloaded", error.message, { "Retry-After": String(retryAfter) });
  }
  if (error instanceof NoModelError) {
    return errorJson(c, 503, "no_model", "no model is loaded yet; retry once /readyz says ready", {
      "Retry-After": String(retryAfter),
    });
  }
  return errorResponse(c, error);
}

/** The classify routes' paths and methods, for the apps' 405 tables. */
export const CLASSIFY_METHODS: Record<string, string> = { "/v1/classify": "POST", "/v1/classify/batch": "POST" };

/** The query's top-k and test-time augmentation, or 400 `invalid_request` naming the bad field. */
function parseQuery(c: Context, limits: InferenceLimits) {
  const result = ClassifyQuerySchema.safeParse(c.req.query());
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new RequestError(400, "invalid_request", `${issue.path.join(".") || "query"}: ${issue.message}`);
  }
  return { topk: result.data.topk ?? limits.defaultTopk, tta: result.data.tta };
}

/** Every image of a multipart body classified in turn; a bad image's error takes its place. */
async function classifyEach(c: Context, engine: InferenceEngine, limits: InferenceLimits) {
  const options = parseQuery(c, limits);
  if (!(c.req.header("content-type") ?? "").startsWith("multipart/form-data")) {
    throw new RequestError(
      415,
      "unsupported_media_type",
      "send the images as multipart/form-data fields named `image`",
    );
  }
  const { images } = await readImageParts(c);
  const results = [];
  for (const [i, bytes] of images.entries()) {
    try {
      results.push(await engine.classify(bytes, options));
    } catch (error) {
      if (error instanceof QueueFullError || error instanceof NoModelError) throw error;
      const response = toErrorResponse(c, error, limits.retryAfterSeconds);
      results.push({ image: i, ...(await response.json()) });
    }
  }
  return results;
}

/**
 * @example
 * ```ts
 * mountClassifyRoutes(app, engine, { ...DEFAULT_LIMITS, defaultTopk: 1 });
 * ```
 */
export function mountClassifyRoutes(app: OpenAPIHono, engine: InferenceEngine, limits: InferenceLimits): void {
  const limitBody = bodyLimit({
    maxSize: limits.maxBodyBytes,
    onError: (c) => errorJson(c, 413, "body_too_large", `the body is over the ${limits.maxBodyBytes} byte limit`),
  });
  app.use("/v1/classify", limitBody);
  app.use("/v1/classify/batch", limitBody);
  // Image bodies are read and checked by hand (raw or multipart); the routes are still
  // documented from the same schemas, and the query is validated by ClassifyQuerySchema.
  app.openAPIRegistry.registerPath(classifyRoute);
  app.openAPIRegistry.registerPath(batchRoute);
  app.post(classifyRoute.path, async (c) => {
    try {
      const options = parseQuery(c, limits);
      const { images: [bytes] } = await readImageParts(c);
      return c.json(await engine.classify(bytes, options), 200);
    } catch (error) {
      return toErrorResponse(c, error, limits.retryAfterSeconds);
    }
  });
  app.post(batchRoute.path, async (c) => {
    try {
      return c.json({ results: await classifyEach(c, engine, limits) }, 200);
    } catch (error) {
      return toErrorResponse(c, error, limits.retryAfterSeconds);
    }
  });
}
