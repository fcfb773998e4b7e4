/**
 * The retrieval service's Hono app (no side effects; `main.ts` wires NATS and serves it), one
 * route module per concern over the shared frame of `shared/http`: images (`image_routes.ts`),
 * search (`search_routes.ts`), status, health and metrics (`status_routes.ts`), the web pages,
 * `/openapi.json` and `/docs`; all errors as `{error: {code, message}}`.
 *
 * @module
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import {
  countRequests,
  createServiceApp,
  errorJson,
  finishServiceApp,
  requireToken,
  WorkQueue,
} from "../../shared/http/mod.ts";
import { mountUi } from "../../shared/web/mod.ts";
import { IMAGE_METHODS, mountImageRoutes } from "./image_routes.ts";
import { queuedOn } from "./queued_job.ts";
import type { RetrievalLibrary } from "./retrieval_library.ts";
import { createRetrievalMetrics } from "./retrieval_metrics.ts";
import { mountSearchRoutes, SEARCH_METHODS } from "./search_routes.ts";
import { mountStatusRoutes, STATUS_METHODS } from "./status_routes.ts";

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
  const metrics = createRetrievalMetrics();
  const queued = queuedOn(queue, metrics.queueDepth);
  const app = createServiceApp(options.corsOrigins);
  countRequests(app, metrics);
  const limit = bodyLimit({
    maxSize: options.maxBodyBytes,
    onError: (c) => errorJson(c, 413, "body_too_large", `the body is over the ${options.maxBodyBytes} byte limit`),
  });
  app.use("/v1/images", limit);
  app.use("/v1/search", limit);
  const token = (value: string | null | undefined, scope: "admin" | "write", flag: string) =>
    requireToken({
      token: value ?? null,
      scope,
      configuredBy: `--${flag} or ALEXNET_${flag.replace("-", "_").toUpperCase()}`,
    });
  mountImageRoutes(app, {
    library,
    metrics,
    queued,
    writer: token(options.writeToken, "write", "write-token"),
    admin: token(options.adminToken, "admin", "admin-token"),
  });
  mountSearchRoutes(app, library, queued, options.defaultK);
  mountStatusRoutes(app, library, metrics);
  mountUi(app, { service: "retrieval", peerUrl: options.inferenceUrl });
  return finishServiceApp(app, {
    title: "alexnet-edge retrieval",
    methods: { ...IMAGE_METHODS, ...SEARCH_METHODS, ...STATUS_METHODS },
  });
}
