/**
 * Bearer tokens for the endpoints that change what the system serves or holds: promote and
 * rollback (inference), image delete (retrieval) — always, with the admin token — and image add
 * when a write token is configured. No `Authorization` header is a 401 (with
 * `WWW-Authenticate`), a wrong token a 403, both as `{error: {code, message}}`. Tokens are
 * compared in constant time (SHA-256 digests through `node:crypto`'s `timingSafeEqual`).
 * Reading stays open: classify, search and the pages need no token.
 *
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { UsageError } from "../cli/usage_error.ts";
import { errorJson } from "./error_response.ts";

/** What a token guards and where it comes from (said in error messages). */
export interface TokenGuard {
  /** The configured token, or null. */
  token: string | null;
  /** `admin`: refused outright without a configured token; `write`: open without one. */
  scope: "admin" | "write";
  /** How an operator configures it, e.g. "--admin-token or ALEXNET_ADMIN_TOKEN". */
  configuredBy: string;
}

/** True when `given` equals `expected`; the time taken does not depend on where they differ. */
export function tokensMatch(given: string, expected: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * A token from a flag or, failing that, an environment variable; null when neither is set.
 * Shorter than 16 characters is refused: such a token can be guessed.
 *
 * @example
 * ```ts
 * const admin = tokenOption(flags["admin-token"], "ALEXNET_ADMIN_TOKEN", "--admin-token");
 * ```
 */
export function tokenOption(flag: string | undefined, envName: string, flagName: string): string | null {
  const token = flag ?? (Deno.env.get(envName) || null); // an empty variable counts as unset
  if (token !== null && token.length < 16) {
    throw new UsageError(
      `${flagName} (or ${envName}) must be at least 16 characters; generate one with \`openssl rand -hex 16\``,
    );
  }
  return token;
}

/**
 * Hono middleware enforcing `guard`.
 *
 * @example
 * ```ts
 * app.post("/v1/models/promote", requireToken({ token, scope: "admin", configuredBy: "--admin-token" }), promote);
 * ```
 */
export function requireToken(guard: TokenGuard): MiddlewareHandler {
  return async (c, next) => {
    if (guard.token === null) {
      if (guard.scope === "write") return await next();
      return errorJson(
        c,
        403,
        "admin_disabled",
        `this endpoint needs an admin token and none is configured; start the service with ${guard.configuredBy}`,
      );
    }
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match) {
      return errorJson(c, 401, "unauthorized", `send the ${guard.scope} token as Authorization: Bearer <token>`, {
        "WWW-Authenticate": `Bearer realm="alexnet-edge ${guard.scope}"`,
      });
    }
    if (!tokensMatch(match[1], guard.token)) {
      return errorJson(c, 403, "forbidden", `the ${guard.scope} token is wrong`);
    }
    await next();
  };
}
