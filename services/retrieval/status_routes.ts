/**
 * The retrieval service's state over HTTP: `GET /v1/status` (model, catalogue, index), `/healthz`
 * (the process answers), `/readyz` (a model is loaded, else 503 `not_ready`) and `/metrics`
 * (Prometheus).
 *
 * @module
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { errorJson } from "../../shared/http/mod.ts";
import type { RetrievalLibrary } from "./retrieval_library.ts";
import type { RetrievalMetrics } from "./retrieval_metrics.ts";

/** The status routes' paths and methods, for the app's 405 table. */
export const STATUS_METHODS: Record<string, string> = {
  "/v1/status": "GET",
  "/healthz": "GET",
  "/readyz": "GET",
  "/metrics": "GET",
};

/**
 * @example
 * ```ts
 * mountStatusRoutes(app, library, createRetrievalMetrics());
 * ```
 */
export function mountStatusRoutes(app: OpenAPIHono, library: RetrievalLibrary, metrics: RetrievalMetrics): void {
  app.get("/v1/status", (c) => c.json(library.status()));
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", (c) => {
    const status = library.status();
    return status.model
      ? c.json({ status: "ready", model: status.model })
      : errorJson(c, 503, "not_ready", "no model is loaded yet");
  });
  app.get("/metrics", async (c) => {
    const status = library.status();
    metrics.images.set(status.images);
    metrics.checkpointsRefused.set(library.checkpointsRefused);
    metrics.recall.reset();
    if (status.recall?.build) metrics.recall.set({ measured: "build" }, status.recall.build.recallAt10);
    if (status.recall?.live) metrics.recall.set({ measured: "live" }, status.recall.live.recallAt10);
    return c.text(await metrics.registry.metrics(), 200, { "Content-Type": metrics.registry.contentType });
  });
}
