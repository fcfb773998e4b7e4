/**
 * Prometheus metrics of the inference service (prom-client): requests by route and status,
 * a latency histogram, the loaded model version, the work-queue depth, resident memory.
 *
 * @module
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { processGauges } from "../../shared/http/mod.ts";

/** The service's registry and instruments. */
export interface InferenceMetrics {
  registry: Registry;
  requests: Counter<"route" | "method" | "status">;
  latency: Histogram<"route">;
  modelInfo: Gauge<"name" | "version">;
  queueDepth: Gauge;
  /** Checkpoints refused by reason: signature, digest, format, other. */
  checkpointsRefused: Counter<"reason">;
}

/** A fresh registry (one per app, so tests do not share counters). */
export function createInferenceMetrics(): InferenceMetrics {
  const registry = new Registry();
  for (const settings of processGauges()) new Gauge({ ...settings, registers: [registry] });
  return {
    registry,
    requests: new Counter({
      name: "alexnet_http_requests_total",
      help: "HTTP requests by route, method and status code",
      labelNames: ["route", "method", "status"],
      registers: [registry],
    }),
    latency: new Histogram({
      name: "alexnet_http_request_duration_seconds",
      help: "HTTP request latency",
      labelNames: ["route"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    modelInfo: new Gauge({
      name: "alexnet_model_info",
      help: "The model version being served (value 1)",
      labelNames: ["name", "version"],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: "alexnet_inference_queue_depth",
      help: "Classify jobs running or waiting",
      registers: [registry],
    }),
    checkpointsRefused: new Counter({
      name: "alexnet_checkpoints_refused_total",
      help: "Checkpoints refused instead of served, by reason (signature, digest, format, other)",
      labelNames: ["reason"],
      registers: [registry],
    }),
  };
}
