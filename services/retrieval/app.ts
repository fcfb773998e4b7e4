/**
 * The retrieval service's Hono app: add, fetch and delete images, search by example, status,
 * health, metrics, OpenAPI. No side effects; `main.ts` wires NATS and serves it.
 *
 * @module
 */
import {
  applyCorsPolicy,
  errorJson,
  errorResponse,
  processGauges,
  QueueFullError,
  readImageParts,
  RequestError,
  requireToken,
  WorkQueue,
} from "../../shared/http/mod.ts";
import { mountUi } from "../../shared/web/mod.ts";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { RetrievalLibrary, SearchAnswer, SearchHit } from "./retrieval_library.ts";

/** Settings of the app. */
export interface RetrievalAppOptions {
  maxBodyBytes: number;
  defaultK: number;
  /** Where the inference service's pages are, for the web UI's navigation. */
  inferenceUrl?: string | null;
  /** Bearer token for deleting images; absent or null: deletes are refused (403). */
  adminToken?: string | null;
  /** Bearer token for adding images; absent or null: adding is open. */
  writeToken?: string | null;
  /** Origins allowed cross-origin access (none by default). */
  corsOrigins?: readonly string[];
}

const SearchQuerySchema = z.object({
  k: z.coerce.number().int().min(1).max(1000).optional().openapi({ description: "how many neighbours (default 10)" }),
});
const SearchByIdSchema = z.object({ id: z.string().min(1), k: z.number().int().min(1).max(1000).optional() });
const MetadataSchema = z.record(z.string(), z.unknown());
const HitSchema = z.object({
  id: z.string(),
  score: z.number(),
  metadata: MetadataSchema,
  thumbnailUrl: z.string(),
}).openapi("SearchHit");
const ErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) }).openapi("Error");
const errors = {
  400: { description: "bad image or request", content: { "application/json": { schema: ErrorSchema } } },
  413: { description: "body or pixel count over the limit", content: { "application/json": { schema: ErrorSchema } } },
  415: { description: "not a JPEG or PNG", content: { "application/json": { schema: ErrorSchema } } },
  503: {
    description: "no model yet, or overloaded (Retry-After)",
    content: { "application/json": { schema: ErrorSchema } },
  },
};
const binary = z.string().openapi({ format: "binary" });

const addRoute = createRoute({
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
const searchRoute = createRoute({
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

/**
 * @example
 * ```ts
 * const app = createRetrievalApp(library, { maxBodyBytes: 20 << 20, defaultK: 10 });
 * ```
 */
export function createRetrievalApp(
  library: RetrievalLibrary,
  options: RetrievalAppOptions,
  queue = new WorkQueue({ concurrency: 1, maxQueued: 64 }),
): OpenAPIHono {
  const registry = new Registry();
  for (const settings of processGauges()) new Gauge({ ...settings, registers: [registry] });
  const requests = new Counter({
    name: "alexnet_retrieval_http_requests_total",
    help: "HTTP requests by route and status",
    labelNames: ["route", "method", "status"],
    registers: [registry],
  });
  const latency = new Histogram({
    name: "alexnet_retrieval_http_request_duration_seconds",
    help: "HTTP request latency",
    labelNames: ["route"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const images = new Gauge({ name: "alexnet_retrieval_images", help: "Images in the catalog", registers: [registry] });
  const refused = new Gauge({
    name: "alexnet_retrieval_checkpoints_refused",
    help: "Checkpoints refused (signature, digests, format) since the service started",
    registers: [registry],
  });
  const depth = new Gauge({
    name: "alexnet_retrieval_queue_depth",
    help: "Jobs running or waiting",
    registers: [registry],
  });
  const app = new OpenAPIHono();
  applyCorsPolicy(app, options.corsOrigins ?? []);
  const admin = requireToken({
    token: options.adminToken ?? null,
    scope: "admin",
    configuredBy: "--admin-token or ALEXNET_ADMIN_TOKEN",
  });
  const writer = requireToken({
    token: options.writeToken ?? null,
    scope: "write",
    configuredBy: "--write-token or ALEXNET_WRITE_TOKEN",
  });
  app.use("*", async (c, next) => {
    const started = performance.now();
    await next();
    const route = c.req.routePath && c.req.routePath !== "*" ? c.req.routePath : "unmatched";
    requests.inc({ route, method: c.req.method, status: String(c.res.status) });
    latency.observe({ route }, (performance.now() - started) / 1000);
  });
  const limit = bodyLimit({
    maxSize: options.maxBodyBytes,
    onError: (c) => errorJson(c, 413, "body_too_large", `the body is over the ${options.maxBodyBytes} byte limit`),
  });
  app.use("/v1/images", limit);
  app.use("/v1/search", limit);
  const queued = <T>(job: () => Promise<T>) =>
    queue.run(async () => {
      depth.set(queue.depth);
      await new Promise((resolve) => setTimeout(resolve, 0));
      return await job();
    }).catch((error) => {
      if (error instanceof QueueFullError) throw new RequestError(503, "overloaded", error.message, 1);
      throw error;
    }).finally(() => depth.set(queue.depth));
  const hitsJson = (c: Context, hits: SearchHit[]) =>
    hits.map((h) => ({
      ...h,
      thumbnailUrl: new URL(`/v1/images/${encodeURIComponent(h.id)}/thumbnail`, c.req.url).pathname,
    }));

  app.openAPIRegistry.registerPath(addRoute);
  app.openAPIRegistry.registerPath(searchRoute);

  app.post("/v1/images", writer, async (c) => {
    try {
      const { images: [bytes], fields } = await readImageParts(c);
      let metadata: Record<string, unknown> = {};
      if (fields.metadata !== undefined) {
        const parsed = MetadataSchema.safeParse((() => {
          try {
            return JSON.parse(fields.metadata);
          } catch {
            return null;
          }
        })());
        if (!parsed.success) throw new RequestError(400, "invalid_metadata", "metadata must be a JSON object");
        metadata = parsed.data;
      }
      const id = fields.id ?? c.req.query("id");
      const result = await queued(() => library.add(bytes, { id, metadata }));
      images.set(library.status().images);
      return c.json(result, result.duplicate ? 200 : 201);
    } catch (error) {
      return errorResponse(c, error);
    }
  });

  app.post("/v1/search", async (c) => {
    const started = performance.now();
    try {
      const query = SearchQuerySchema.safeParse(c.req.query());
      if (!query.success) throw new RequestError(400, "invalid_request", `k: ${query.error.issues[0].message}`);
      let k = query.data.k ?? options.defaultK;
      let answer: SearchAnswer;
      if ((c.req.header("content-type") ?? "").startsWith("application/json")) {
        const body = SearchByIdSchema.safeParse(await c.req.json().catch(() => null));
        if (!body.success) throw new RequestError(400, "invalid_request", "JSON search body must be {id, k?}");
        k = body.data.k ?? k;
        answer = await queued(() => library.searchAnswer({ id: body.data.id }, k));
      } else {
        const { images: [bytes] } = await readImageParts(c);
        answer = await queued(() => library.searchAnswer({ bytes }, k));
      }
      const model = library.status().model!;
      return c.json({
        model,
        results: hitsJson(c, answer.results),
        partial: answer.partial,
        ...(answer.shards ? { shards: answer.shards } : {}),
        timings: { total: performance.now() - started },
      }, 200);
    } catch (error) {
      return errorResponse(c, error);
    }
  });

  const image = async (c: Context, thumbnail: boolean) => {
    const id = c.req.param("id")!;
    const record = library.record(id);
    const bytes = record ? await (thumbnail ? library.thumbnail(id) : library.original(id)) : null;
    if (!record || !bytes) return errorJson(c, 404, "not_found", `no image with id ${id}`);
    const type = thumbnail ? "image/jpeg" : bytes[0] === 0x89 ? "image/png" : "image/jpeg";
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      "Content-Type": type,
      "X-Image-Metadata": JSON.stringify(record.metadata),
    });
  };
  app.get("/v1/images/:id", (c) => image(c, false));
  app.get("/v1/images/:id/thumbnail", (c) => image(c, true));
  app.delete("/v1/images/:id", admin, async (c) => {
    const id = c.req.param("id");
    if (!(await library.delete(id))) return errorJson(c, 404, "not_found", `no image with id ${id}`);
    images.set(library.status().images);
    return c.json({ id, deleted: true });
  });
  app.get("/v1/status", (c) => c.json(library.status()));
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", (c) => {
    const status = library.status();
    return status.model
      ? c.json({ status: "ready", model: status.model })
      : errorJson(c, 503, "not_ready", "no model is loaded yet");
  });
  app.get("/metrics", async (c) => {
    images.set(library.status().images);
    refused.set(library.checkpointsRefused);
    return c.text(await registry.metrics(), 200, { "Content-Type": registry.contentType });
  });
  app.doc("/openapi.json", { openapi: "3.0.0", info: { title: "alexnet-edge retrieval", version: "1" } });

  const allowed: Record<string, string> = {
    "/v1/images": "POST",
    "/v1/search": "POST",
    "/v1/images/:id": "GET, DELETE",
    "/v1/images/:id/thumbnail": "GET",
    "/v1/status": "GET",
    "/healthz": "GET",
    "/readyz": "GET",
    "/metrics": "GET",
    "/openapi.json": "GET",
  };
  for (const [path, methods] of Object.entries(allowed)) {
    app.all(
      path,
      (c) =>
        errorJson(c, 405, "method_not_allowed", `${c.req.method} is not allowed here; use ${methods}`, {
          Allow: methods,
        }),
    );
  }
  mountUi(app, { service: "retrieval", peerUrl: options.inferenceUrl });
  app.notFound((c) => errorJson(c, 404, "not_found", `no route ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => errorResponse(c, error));
  return app;
}
