/**
 * Prometheus instruments every HTTP service has (prom-client): a registry with the process's
 * memory gauges, requests by route, method and status, and a latency histogram by route — and
 * the middleware that fills the last two.
 *
 * @module
 */
import type { Env, Hono } from "hono";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { processGauges } from "./process_metrics.ts";

/** A service's registry and its HTTP instruments. */
export interface HttpMetrics {
  registry: Registry;
  requests: Counter<"route" | "method" | "status">;
  latency: Histogram<"route">;
}

/**
 * A fresh registry (one per app, so tests do not share counters) with `PREFIX_requests_total` and
 * `PREFIX_request_duration_seconds`.
 *
 * @example
 * ```ts
 * const metrics = createHttpMetrics("alexnet_retrieval_http");
 * new Gauge({ name: "alexnet_retrieval_images", help: "…", registers: [metrics.registry] });
 * ```
 */
export function createHttpMetrics(prefix: string): HttpMetrics {
  const registry = new Registry();
  for (const settings of processGauges()) new Gauge({ ...settings, registers: [registry] });
  return {
    registry,
    requests: new Counter({
      name: `${prefix}_requests_total`,
      help: "HTTP requests by route, method and status code",
      labelNames: ["route", "method", "status"],
      registers: [registry],
    }),
    latency: new Histogram({
      name: `${prefix}_request_duration_seconds`,
      help: "HTTP request latency",
      labelNames: ["route"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

/** Counts every request and times it, labelled by its route pattern (`unmatched` for none). */
export function countRequests<E extends Env>(app: Hono<E>, metrics: Pick<HttpMetrics, "requests" | "latency">): void {
  app.use("*", async (c, next) => {
    const started = performance.now();
    await next();
    const route = c.req.routePath && c.req.routePath !== "*" ? c.req.routePath : "unmatched";
    metrics.requests.inc({ route, method: c.req.method, status: String(c.res.status) });
    metrics.latency.observe({ route }, (performance.now() - started) / 1000);
  });
}
