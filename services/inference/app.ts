/**
 * The inference service's Hono app (no side effects; `main.ts` wires NATS and serves it), one
 * route module per concern over the shared frame of `shared/http`: classify
 * (`classify_routes.ts`), the served model (`model_routes.ts`), its versions
 * (`version_routes.ts`), training events (`training_routes.ts`), health, `/metrics`, the web
 * pages, `/openapi.json` and `/docs`; all errors as `{error: {code, message}}`.
 *
 * @module
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { countRequests, createServiceApp, finishServiceApp } from "../../shared/http/mod.ts";
import type { PredictorSlot } from "../../shared/predictor/mod.ts";
import { mountUi } from "../../shared/web/mod.ts";
import {
  CLASSIFY_METHODS,
  DEFAULT_LIMITS,
  type InferenceLimits,
  mountClassifyRoutes,
  toErrorResponse,
} from "./classify_routes.ts";
import { HEALTH_METHODS, mountHealthRoutes } from "./health_routes.ts";
import { createInferenceMetrics, type InferenceMetrics } from "./inference_metrics.ts";
import type { InferenceEngine } from "./inference_engine.ts";
import { MODEL_METHODS, mountModelRoutes } from "./model_routes.ts";
import { mountTrainingRoutes, TRAINING_METHODS } from "./training_routes.ts";
import type { TrainingRelay } from "./training_relay.ts";
import { type ModelRegistry, mountVersionRoutes, VERSION_METHODS } from "./version_routes.ts";

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

/** `GET /metrics`: the queue depth and the served version, read when scraped. */
function mountMetricsRoute(app: OpenAPIHono, metrics: InferenceMetrics, engine: InferenceEngine): void {
  const slot: PredictorSlot = engine.slot;
  app.get("/metrics", async (c) => {
    metrics.queueDepth.set(engine.queue.depth);
    metrics.modelInfo.reset();
    const m = slot.current?.predictor.manifest;
    if (m) metrics.modelInfo.set({ name: m.name, version: m.version }, 1);
    return c.text(await metrics.registry.metrics(), 200, { "Content-Type": metrics.registry.contentType });
  });
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
  const metrics = engine.metrics ?? createInferenceMetrics();
  const app = createServiceApp(deps.corsOrigins);
  countRequests(app, metrics);
  mountClassifyRoutes(app, engine, limits);
  mountModelRoutes(app, engine.slot, deps.listVersions);
  mountVersionRoutes(app, { slot: engine.slot, adminToken: deps.adminToken ?? null, registry: deps.registry });
  mountTrainingRoutes(app, deps.training);
  mountHealthRoutes(app, engine.slot);
  mountMetricsRoute(app, metrics, engine);
  mountUi(app, { service: "inference", peerUrl: deps.retrievalUrl });
  return finishServiceApp(app, {
    title: "alexnet-edge inference",
    methods: {
      ...CLASSIFY_METHODS,
      ...MODEL_METHODS,
      ...VERSION_METHODS,
      ...TRAINING_METHODS,
      ...HEALTH_METHODS,
      "/metrics": "GET",
    },
    onError: (c, error) => toErrorResponse(c, error, limits.retryAfterSeconds),
  });
}
