/**
 * Prometheus metrics of the inference service (prom-client): requests by route and status,
 * a latency histogram, the loaded model version, the work-queue depth, resident memory.
 *
 * @module
 */
import { Counter, Gauge } from "prom-client";
import { createHttpMetrics, type HttpMetrics } from "../../shared/http/mod.ts";

/** The service's registry and instruments. */
export interface InferenceMetrics extends HttpMetrics {
  modelInfo: Gauge<"name" | "version">;
  queueDepth: Gauge;
  /** Checkpoints refused by reason: signature, digest, format, other. */
  checkpointsRefused: Counter<"reason">;
}

/** A fresh registry (one per app, so tests do not share counters). */
export function createInferenceMetrics(): InferenceMetrics {
  const http = createHttpMetrics("alexnet_http");
  const { registry } = http;
  return {
    ...http,
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
