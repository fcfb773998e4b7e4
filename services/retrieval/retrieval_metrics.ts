/**
 * Prometheus metrics of the retrieval service (prom-client): requests by route and status, a
 * latency histogram, the catalogue's size, checkpoints refused, the work-queue depth, resident
 * memory.
 *
 * @module
 */
import { Gauge } from "prom-client";
import { createHttpMetrics, type HttpMetrics } from "../../shared/http/mod.ts";

/** The service's registry and instruments. */
export interface RetrievalMetrics extends HttpMetrics {
  images: Gauge;
  checkpointsRefused: Gauge;
  queueDepth: Gauge;
  /** recall@10 against exact search: `measured="build"` (after a build or refit) and `"live"` (recent queries). */
  recall: Gauge<"measured">;
}

/** A fresh registry (one per app, so tests do not share counters). */
export function createRetrievalMetrics(): RetrievalMetrics {
  const http = createHttpMetrics("alexnet_retrieval_http");
  const registers = [http.registry];
  return {
    ...http,
    images: new Gauge({ name: "alexnet_retrieval_images", help: "Images in the catalog", registers }),
    checkpointsRefused: new Gauge({
      name: "alexnet_retrieval_checkpoints_refused",
      help: "Checkpoints refused (signature, digests, format) since the service started",
      registers,
    }),
    queueDepth: new Gauge({ name: "alexnet_retrieval_queue_depth", help: "Jobs running or waiting", registers }),
    recall: new Gauge({
      name: "alexnet_retrieval_recall_at_10",
      help: "recall@10 of the searching index against exact search: after its build, and over recent live queries",
      labelNames: ["measured"],
      registers,
    }),
  };
}
