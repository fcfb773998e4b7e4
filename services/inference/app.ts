/**
 * The inference service's Hono app (no side effects; `main.ts` wires NATS and serves it):
 * `POST /v1/classify`, `POST /v1/classify/batch`, `GET /v1/models`, `/healthz`, `/readyz`,
 * `/metrics`, `/openapi.json` and `/docs`, all errors as `{error: {code, message}}`.
 *
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import {
  applyCorsPolicy,
  errorJson,
  errorResponse,
  QueueFullError,
  readImageParts,
  RequestError,
} from "../../shared/http/mod.ts";
import { NoModelError } from "../../shared/predictor/mod.ts";
import { mountUi } from "../../shared/web/mod.ts";
import { createInferenceMetrics } from "./inference_metrics.ts";
import type { InferenceEngine } from "./inference_engine.ts";
import { type ModelRegistry, mountModelApi } from "./model_api.ts";
import type { TrainingRelay } from "./training_relay.ts";

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

/** What the app needs. */
export interface InferenceAppDeps {
  engine: InferenceEngine;
  limits?: Partial<Omit<InferenceLimits, "maxPixels">>;
  /** Versions that exist for the served model name (from NATS), for `GET /v1/models`. */
  listVersions?: () => Promise<string[]>;
  /** Version management over NATS (checkpoint list, promote, rollback). */
  registry?: ModelRegistry;
  /** Live training events for the training page. */
  training?: TrainingRelay;
  /** Where the retrieval service's pages are, for the navigation. */
  retrievalUrl?: string | null;
  /** Bearer token for promote and rollback; absent or null: those are refused (403). */
  adminToken?: string | null;
  /** Origins allowed cross-origin access (none by default). */
  corsOrigins?: readonly string[];
}

const ErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
}).openapi("Error");

const PredictionSchema = z.object({
  index: z.number().int(),
  label: z.string(),
  labels: z.object({ en: z.string(), zh: z.string() }),
  probability: z.number(),
}).openapi("Prediction");

const ClassifyResponseSchema = z.object({
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

const errors = {
  400: {
    description: "empty, truncated or corrupt image; bad query",
    content: { "application/json": { schema: ErrorSchema } },
  },
  413: { description: "body or pixel count over the limit", content: { "application/json": { schema: ErrorSchema } } },
  415: { description: "not a JPEG or PNG", content: { "application/json": { schema: ErrorSchema } } },
  503: {
    description: "no model yet, or the queue is full (Retry-After)",
    content: { "application/json": { schema: ErrorSchema } },
  },
};

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

const modelsRoute = createRoute({
  method: "get",
  path: "/v1/models",
  summary: "The loaded model and the versions that exist for its name",
  responses: {
    200: {
      description: "models",
      content: {
        "application/json": {
          schema: z.object({
            loaded: z.object({
              name: z.string(),
              version: z.string(),
              arch: z.string(),
              inputSize: z.number(),
              classes: z.number(),
              loadedAt: z.string(),
              metrics: z.record(z.string(), z.unknown()),
            }).nullable(),
            versions: z.array(z.string()),
          }),
        },
      },
    },
  },
});

/** Maps inference errors to responses; the rest (image errors, pixel limit…) go to the shared mapping. */
function toErrorResponse(c: Context, error: unknown, retryAfter: number) {
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

/** A page listing every operation of the OpenAPI document, so the docs come from the same schemas. */
function renderDocsPage(doc: { info: { title: string; version: string }; paths: Record<string, unknown> }): string {
  const escape = (s: string) => s.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(
      methods as Record<
        string,
        {
          summary?: string;
          parameters?: { name: string; description?: string }[];
          responses: Record<string, { description: string }>;
        }
      >,
    )
      .map(([method, op]) =>
        `<section><h2><code>${method.toUpperCase()} ${escape(path)}</code></h2><p>${escape(op.summary ?? "")}</p>` +
        (op.parameters?.length
          ? `<p>Query: ${
            op.parameters.map((p) => `<code>${escape(p.name)}</code> ${escape(p.description ?? "")}`).join("; ")
          }</p>`
          : "") +
        `<ul>${
          Object.entries(op.responses).map(([code, r]) => `<li><code>${code}</code> ${escape(r.description)}</li>`)
            .join("")
        }</ul></section>`
      )
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(doc.info.title)}</title>
<style>body{font-family:sans-serif;max-width:50rem;margin:2rem auto}section{border-top:1px solid #ddd}</style></head>
<body><h1>${escape(doc.info.title)} ${escape(doc.info.version)}</h1>
<p>Generated from <a href="/openapi.json">/openapi.json</a>, the schemas that validate requests.</p>${
    ops.join("\n")
  }</body></html>`;
}

/**
 * @example
 * ```ts
 * const queue = new WorkQueue({ concurrency: 1, maxQueued: 64 });
 * const app = createInferenceApp({ engine: new InferenceEngine({ queue, maxPixels: 40e6 }) });
 * Deno.serve({ port: 8080 }, app.fetch);
 * ```
 */
export function createInferenceApp(deps: InferenceAppDeps): OpenAPIHono {
  const limits = { ...DEFAULT_LIMITS, ...deps.limits };
  const { engine } = deps;
  const { slot, queue } = engine;
  const metrics = engine.metrics ?? createInferenceMetrics();
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        return errorJson(c, 400, "invalid_request", `${issue.path.join(".") || "request"}: ${issue.message}`);
      }
    },
  });
  applyCorsPolicy(app, deps.corsOrigins ?? []);

  app.use("*", async (c, next) => {
    const started = performance.now();
    await next();
    const route = c.req.routePath && c.req.routePath !== "*" ? c.req.routePath : "unmatched";
    metrics.requests.inc({ route, method: c.req.method, status: String(c.res.status) });
    metrics.latency.observe({ route }, (performance.now() - started) / 1000);
  });
  const limitBody = bodyLimit({
    maxSize: limits.maxBodyBytes,
    onError: (c) => errorJson(c, 413, "body_too_large", `the body is over the ${limits.maxBodyBytes} byte limit`),
  });
  app.use("/v1/classify", limitBody);
  app.use("/v1/classify/batch", limitBody);

  const classifyQueued = (bytes: Uint8Array, topk: number, tta: "center" | "ten-crop") =>
    engine.classify(bytes, { topk, tta });

  // Image bodies are read and checked by hand (raw or multipart); the routes are still
  // documented from the same schemas, and the query is validated by ClassifyQuerySchema.
  app.openAPIRegistry.registerPath(classifyRoute);
  app.openAPIRegistry.registerPath(batchRoute);
  const parseQuery = (c: Context) => {
    const result = ClassifyQuerySchema.safeParse(c.req.query());
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new RequestError(400, "invalid_request", `${issue.path.join(".") || "query"}: ${issue.message}`);
    }
    return { topk: result.data.topk ?? limits.defaultTopk, tta: result.data.tta };
  };

  app.post(classifyRoute.path, async (c) => {
    try {
      const { topk, tta } = parseQuery(c);
      const { images: [bytes] } = await readImageParts(c);
      return c.json(await classifyQueued(bytes, topk, tta), 200);
    } catch (error) {
      return toErrorResponse(c, error, limits.retryAfterSeconds);
    }
  });

  app.post(batchRoute.path, async (c) => {
    try {
      const { topk, tta } = parseQuery(c);
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
          results.push(await classifyQueued(bytes, topk, tta));
        } catch (error) {
          if (error instanceof QueueFullError || error instanceof NoModelError) throw error;
          const response = toErrorResponse(c, error, limits.retryAfterSeconds);
          results.push({ image: i, ...(await response.json()) });
        }
      }
      return c.json({ results }, 200);
    } catch (error) {
      return toErrorResponse(c, error, limits.retryAfterSeconds);
    }
  });

  app.openapi(modelsRoute, async (c) => {
    const served = slot.current?.predictor;
    const m = served?.manifest;
    return c.json({
      loaded: served && m
        ? {
          name: m.name,
          version: m.version,
          arch: m.arch,
          inputSize: m.inputSize,
          classes: m.classNames.length,
          loadedAt: served.loadedAt,
          metrics: m.metrics,
        }
        : null,
      versions: deps.listVersions ? await deps.listVersions() : m ? [m.version] : [],
    }, 200);
  });

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", (c) => {
    const served = slot.current?.predictor;
    if (!served) return errorJson(c, 503, "not_ready", "no model is loaded yet");
    const { name, version } = served;
    return c.json({ status: "ready", model: { name, version } });
  });
  app.get("/metrics", async (c) => {
    metrics.queueDepth.set(queue.depth);
    metrics.modelInfo.reset();
    const m = slot.current?.predictor.manifest;
    if (m) metrics.modelInfo.set({ name: m.name, version: m.version }, 1);
    return c.text(await metrics.registry.metrics(), 200, { "Content-Type": metrics.registry.contentType });
  });
  const openapiConfig = { openapi: "3.0.0", info: { title: "alexnet-edge inference", version: "1" } };
  app.doc("/openapi.json", openapiConfig);
  app.get("/docs", (c) => c.html(renderDocsPage(app.getOpenAPIDocument(openapiConfig) as never)));

  const allowed: Record<string, string> = {
    "/v1/classify": "POST",
    "/v1/classify/batch": "POST",
    "/v1/models": "GET",
    "/healthz": "GET",
    "/readyz": "GET",
    "/metrics": "GET",
    "/openapi.json": "GET",
    "/docs": "GET",
  };
  for (const [path, method] of Object.entries(allowed)) {
    app.all(
      path,
      (c) =>
        errorJson(c, 405, "method_not_allowed", `${c.req.method} ${path} is not allowed; use ${method}`, {
          Allow: method,
        }),
    );
  }
  mountModelApi(app, { slot, adminToken: deps.adminToken ?? null, registry: deps.registry, training: deps.training });
  mountUi(app, { service: "inference", peerUrl: deps.retrievalUrl });
  app.notFound((c) => errorJson(c, 404, "not_found", `no route ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => toErrorResponse(c, error, limits.retryAfterSeconds));
  return app;
}
