/**
 * What both HTTP services share: the `{error: {code, message}}` shape and the mapping of
 * client errors to statuses, image bodies (raw or multipart), the bounded work queue (503 with
 * `Retry-After` when full), graceful shutdown on a signal, a JSON fetch for pollers, Bearer
 * tokens and CORS, process memory on `/metrics`, and a bounded load generator — and the frame of
 * each service's app (`createServiceApp` … `finishServiceApp`: schema errors, OpenAPI and `/docs`,
 * 405/404, error mapping) with its request metrics (`createHttpMetrics`, `countRequests`).
 *
 * @example
 * ```ts
 * import { errorResponse, readImageParts } from "../../shared/http/mod.ts";
 * ```
 *
 * @module
 */
export {
  describeError,
  type ErrorDescription,
  errorJson,
  errorResponse,
  readImageParts,
  RequestError,
} from "./error_response.ts";
export { QueueFullError, WorkQueue } from "./work_queue.ts";
export { refuseOtherMethods } from "./method_not_allowed.ts";
export { serveUntilSignal } from "./serve_until_signal.ts";
export { fetchJsonOrNull } from "./fetch_json_or_null.ts";
export { requireToken, type TokenGuard, tokenOption, tokensMatch } from "./token_guard.ts";
export { applyCorsPolicy, CORS_FLAG_HELP, corsOrigins } from "./cors_policy.ts";
export { formatLoad, type LoadOptions, type LoadResult, percentile, residentMemoryMiB, runLoad } from "./http_load.ts";
export { processGauges } from "./process_metrics.ts";
export { countRequests, createHttpMetrics, type HttpMetrics } from "./http_metrics.ts";
export { type OpenApiDocument, renderDocsPage } from "./docs_page.ts";
export { createServiceApp, errorResponses, ErrorSchema, finishServiceApp, type ServiceAppEnd } from "./service_app.ts";
export { runLoadCli } from "./load_cli.ts";
