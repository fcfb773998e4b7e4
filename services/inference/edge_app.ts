/**
 * The inference service's classify API as an edge function's app: `POST /v1/classify` and
 * `/v1/classify/batch` (the service's own route code, so the same JSON and the same OpenAPI),
 * `GET /healthz`, `/readyz` and `/openapi.json`. No NATS, no files written, no subprocess, no Web
 * Worker, no FFI: the checkpoint comes from a URL (or a folder), its signature and every digest
 * are checked before use, and it is loaded on first need — the first classify or readiness
 * probe — never by a top-level await, so the module itself starts at once. An int8 checkpoint
 * stays int8 in memory and runs on the int8 SIMD kernels without TF.js ever being loaded, which
 * is what lets the full network fit an edge isolate; a float checkpoint loads TF.js's WASM
 * backend for its convolutions on first need.
 *
 * @module
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { trustedKeysFromJwks } from "../../shared/checkpoint/mod.ts";
import { errorJson, refuseOtherMethods, WorkQueue } from "../../shared/http/mod.ts";
import { checkpointSourceOf } from "../../shared/predictor/mod.ts";
import { CLASSIFY_METHODS, DEFAULT_LIMITS, mountClassifyRoutes, toErrorResponse } from "./classify_routes.ts";
import type { EdgeConfig, EdgeConfigError } from "./edge_config.ts";
import { HEALTH_METHODS, mountHealthRoutes } from "./health_routes.ts";
import { InferenceEngine } from "./inference_engine.ts";

/** After a failed load, requests answer 503 for this long before the next attempt. */
const RETRY_AFTER_FAILURE_MS = 10_000;

/** Loads the checkpoint into the engine once, on first need; concurrent callers share the load. */
class LazyModel {
  readonly #engine: InferenceEngine;
  readonly #config: EdgeConfig;
  readonly #log: (line: string) => void;
  #loading: Promise<void> | null = null;
  #failure: { error: Error; at: number } | null = null;

  constructor(engine: InferenceEngine, config: EdgeConfig, log: (line: string) => void) {
    this.#engine = engine;
    this.#config = config;
    this.#log = log;
  }

  /** Resolves once a model is served; rejects with the last load's error (retried after a pause). */
  ensure(): Promise<void> {
    if (this.#engine.current) return Promise.resolve();
    if (this.#loading) return this.#loading;
    if (this.#failure && performance.now() - this.#failure.at < RETRY_AFTER_FAILURE_MS) {
      return Promise.reject(this.#failure.error);
    }
    const started = performance.now();
    this.#loading = this.#load().then(
      () => {
        this.#failure = null;
        const p = this.#engine.current!;
        this.#log(
          `serving ${p.name}@${p.version} (${p.manifest.weights} weights) from ${this.#config.checkpoint}, ` +
            `loaded in ${((performance.now() - started) / 1000).toFixed(2)} s`,
        );
      },
      (error: Error) => {
        this.#failure = { error, at: performance.now() };
        this.#log(`cannot load ${this.#config.checkpoint}: ${error.message}`);
        throw error;
      },
    ).finally(() => (this.#loading = null));
    return this.#loading;
  }

  async #load(): Promise<void> {
    const trusted = await trustedKeysFromJwks(this.#config.trustedJwks);
    const trust = { trusted, allowUnsigned: this.#config.allowUnsigned };
    await this.#engine.adopt(checkpointSourceOf(this.#config.checkpoint), { trust });
  }

  /** What `/readyz` says while no model is served. */
  status(): string {
    if (this.#loading) return `loading the model from ${this.#config.checkpoint}`;
    if (this.#failure) return `the model could not be loaded: ${this.#failure.error.message}`;
    return "no model is loaded yet";
  }
}

/**
 * @example
 * ```ts
 * const app = createEdgeApp(readEdgeConfig((name) => Deno.env.get(name)));
 * export default { fetch: app.fetch };
 * ```
 */
export function createEdgeApp(
  config: EdgeConfig | EdgeConfigError,
  options: { log?: (line: string) => void } = {},
): OpenAPIHono {
  const log = options.log ?? ((line: string) => console.error(`[edge] ${line}`));
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        return errorJson(c, 400, "invalid_request", `${issue.path.join(".") || "request"}: ${issue.message}`);
      }
    },
  });
  if (config instanceof Error) {
    app.all("*", (c) => errorJson(c, 500, "misconfigured", config.message));
    return app;
  }
  const limits = { ...DEFAULT_LIMITS, maxBodyBytes: config.maxBodyBytes, defaultTopk: config.topk };
  const engine = new InferenceEngine({
    // Up to a batch of requests may be decoded and waiting for the network at once.
    queue: new WorkQueue({ concurrency: config.maxBatch, maxQueued: config.maxQueued }),
    maxPixels: config.maxPixels,
    predictor: { batching: { maxBatch: config.maxBatch, maxWaitMs: 5 } },
  });
  const model = new LazyModel(engine, config, log);

  // A classify request is the first need of the model: it waits for the load (or is told why not).
  const requireModel: MiddlewareHandler = async (c, next) => {
    if (c.req.method === "POST") {
      try {
        await model.ensure();
      } catch (error) {
        return errorJson(c, 503, "model_unavailable", (error as Error).message, {
          "Retry-After": String(Math.ceil(RETRY_AFTER_FAILURE_MS / 1000)),
        });
      }
    }
    await next();
  };
  app.use("/v1/classify", requireModel);
  app.use("/v1/classify/batch", requireModel);
  mountClassifyRoutes(app, engine, limits);
  mountHealthRoutes(app, engine.slot, {
    notReady: () => {
      // A readiness probe is a need: it starts the load (and says how it is going).
      model.ensure().catch(() => {});
      return model.status();
    },
  });
  const openapiConfig = { openapi: "3.0.0", info: { title: "alexnet-edge inference (edge function)", version: "1" } };
  app.doc("/openapi.json", openapiConfig);
  refuseOtherMethods(app, { ...CLASSIFY_METHODS, ...HEALTH_METHODS, "/openapi.json": "GET" });
  app.notFound((c) => errorJson(c, 404, "not_found", `no route ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => toErrorResponse(c, error, limits.retryAfterSeconds));
  return app;
}
