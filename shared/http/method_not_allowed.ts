/**
 * 405 for a known path asked with another method: `{error: {code: "method_not_allowed"}}` and
 * an `Allow` header naming the method to use. Mount after the routes themselves.
 *
 * @module
 */
import type { Env, Hono } from "hono";
import { errorJson } from "./error_response.ts";

/**
 * @example
 * ```ts
 * refuseOtherMethods(app, { "/v1/classify": "POST", "/healthz": "GET" });
 * ```
 */
export function refuseOtherMethods<E extends Env>(app: Hono<E>, allowed: Record<string, string>): void {
  for (const [path, method] of Object.entries(allowed)) {
    app.all(
      path,
      (c) =>
        errorJson(c, 405, "method_not_allowed", `${c.req.method} ${path} is not allowed; use ${method}`, {
          Allow: method,
        }),
    );
  }
}
