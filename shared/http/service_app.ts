/**
 * The frame of both HTTP services' Hono apps, so each service only mounts its routes: an
 * OpenAPI app whose schema failures are 400 `invalid_request` in the one error shape, with the
 * CORS policy; the OpenAPI document and its `/docs` page; and, after the routes, 405 with `Allow`
 * for a known path asked with another method, 404 for an unknown one, and the error mapping.
 *
 * @module
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { applyCorsPolicy } from "./cors_policy.ts";
import { renderDocsPage } from "./docs_page.ts";
import { errorJson, errorResponse } from "./error_response.ts";
import { refuseOtherMethods } from "./method_not_allowed.ts";

/** The one error shape, `{error: {code, message}}`, as an OpenAPI component. */
export const ErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
}).openapi("Error");

/**
 * OpenAPI responses in the error shape, one per status, with what each means for this route.
 *
 * @example
 * ```ts
 * responses: { 200: …, ...errorResponses({ 400: "bad image", 503: "no model yet" }) }
 * ```
 */
export function errorResponses<S extends number>(descriptions: Record<S, string>) {
  return Object.fromEntries(
    Object.entries(descriptions).map(([status, description]) => [
      status,
      { description: description as string, content: { "application/json": { schema: ErrorSchema } } },
    ]),
  ) as Record<S, { description: string; content: { "application/json": { schema: typeof ErrorSchema } } }>;
}

/** An OpenAPI app: schema failures answered 400 `invalid_request`, cross-origin access as configured. */
export function createServiceApp(corsOrigins: readonly string[] = []): OpenAPIHono {
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        return errorJson(c, 400, "invalid_request", `${issue.path.join(".") || "request"}: ${issue.message}`);
      }
    },
  });
  applyCorsPolicy(app, corsOrigins);
  return app;
}

/** How a service's app ends, after its routes. */
export interface ServiceAppEnd {
  /** The title of the OpenAPI document (`alexnet-edge inference`). */
  title: string;
  /** Each path and the methods it answers (for 405 and `Allow`); the docs' two paths are added. */
  methods: Record<string, string>;
  /** Maps an error a route threw to its response (default: the shared mapping). */
  onError?: (c: Context, error: unknown) => Response | Promise<Response>;
}

/**
 * Adds `/openapi.json` and `/docs`, then 405 for other methods on known paths, 404 for unknown
 * paths, and the error mapping. Mount the web UI (if any) before calling it.
 *
 * @example
 * ```ts
 * const app = createServiceApp(origins);
 * mountSearchRoutes(app, library);
 * finishServiceApp(app, { title: "alexnet-edge retrieval", methods: SEARCH_METHODS });
 * ```
 */
export function finishServiceApp(app: OpenAPIHono, end: ServiceAppEnd): OpenAPIHono {
  const config = { openapi: "3.0.0", info: { title: end.title, version: "1" } };
  app.doc("/openapi.json", config);
  app.get("/docs", (c) => c.html(renderDocsPage(app.getOpenAPIDocument(config) as never)));
  refuseOtherMethods(app, { ...end.methods, "/openapi.json": "GET", "/docs": "GET" });
  app.notFound((c) => errorJson(c, 404, "not_found", `no route ${c.req.method} ${c.req.path}`));
  const onError = end.onError ?? errorResponse;
  app.onError((error, c) => onError(c, error));
  return app;
}
