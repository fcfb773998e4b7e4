/**
 * The inference service's Hono app (no side effects; `main.ts` wires NATS and serves it):
 * `POST /v1/classify`, `POST /v1/classify/batch`, `GET /v1/models`, `/healthz`, `/readyz`,
 * `/metrics`, `/openapi.json` and `/docs`, all errors as `{error: {code, message}}`.
 *
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { applyCorsPolicy, errorJson, refuseOtherMethods } from "../../shared/http/mod.ts";
import { mountUi } from "../../shared/web/mod.ts";
import {
  CLASSIFY_METHODS,
  DEFAULT_LIMITS,
  type InferenceLimits,
  mountClassifyRoutes,
  toErrorResponse,
} from "./classify_routes.ts";
import { HEALTH_METHODS, mountHealthRoutes } from "./health_routes.ts";
import { createInferenceMetrics } from "./inference_metrics.ts";
import type { InferenceEngine } from "./inference_engine.ts";
import { type ModelRegistry, mountModelApi } from "./model_api.ts";
import type { TrainingRelay } from "./training_relay.ts";

export { DEFAULT_LIMITS, type InferenceLimits } from "./classify_routes.ts";

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
  mountClassifyRoutes(app, engine, limits);

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

  mountHealthRoutes(app, slot);
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

  refuseOtherMethods(app, {
    ...CLASSIFY_METHODS,
    ...HEALTH_METHODS,
    "/v1/models": "GET",
    "/metrics": "GET",
    "/openapi.json": "GET",
    "/docs": "GET",
  });
  mountModelApi(app, { slot, adminToken: deps.adminToken ?? null, registry: deps.registry, training: deps.training });
  mountUi(app, { service: "inference", peerUrl: deps.retrievalUrl });
  app.notFound((c) => errorJson(c, 404, "not_found", `no route ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => toErrorResponse(c, error, limits.retryAfterSeconds));
  return app;
}
