/**
 * The services' CORS policy, stated rather than defaulted: no cross-origin access unless
 * origins are listed (`--cors-origin`); listed origins may read, and send the `Authorization`
 * header the admin and write endpoints need.
 *
 * @module
 */
import type { Env, Hono } from "hono";
import { cors } from "hono/cors";
import { UsageError } from "../cli/usage_error.ts";

/**
 * `--cors-origin` as a list of origins (comma-separated); each must be just `scheme://host[:port]`.
 *
 * @example
 * ```ts
 * corsOrigins("https://a.example.com,http://localhost:3000"); // two origins
 * ```
 */
export function corsOrigins(flag: string | undefined): string[] {
  if (!flag) return [];
  return flag.split(",").map((text) => {
    let url: URL;
    try {
      url = new URL(text.trim());
    } catch {
      throw new UsageError(`--cors-origin takes origins like https://example.com, got "${text}"`);
    }
    if (url.origin === "null" || url.pathname !== "/" || url.search || url.hash || text.trim().endsWith("/")) {
      throw new UsageError(`--cors-origin takes origins (scheme://host[:port], no path), got "${text}"`);
    }
    return url.origin;
  });
}

/**
 * Allows `origins` (exact `scheme://host:port`) on every route; with none, adds nothing, so a
 * browser keeps other origins out.
 *
 * @example
 * ```ts
 * applyCorsPolicy(app, ["https://dashboard.example.com"]);
 * ```
 */
export function applyCorsPolicy<E extends Env>(app: Hono<E>, origins: readonly string[]): void {
  if (origins.length === 0) return;
  app.use(
    "*",
    cors({
      origin: [...origins],
      allowMethods: ["GET", "POST", "DELETE", "OPTIONS"],
      allowHeaders: ["Authorization", "Content-Type"],
      maxAge: 600,
    }),
  );
}

/** The `--help` line of `--cors-origin`. */
export const CORS_FLAG_HELP =
  "  --cors-origin LIST    origins allowed cross-origin access (comma-separated; default none)";
