/**
 * The model name's versions over HTTP: `GET /v1/checkpoints` (every stored version with its
 * metrics, which one is served and which is pinned) and, with the admin token, `POST
 * /v1/models/promote` and `POST /v1/models/rollback` (change the pin every replica follows).
 *
 * @module
 */
import type { Context, Env, Hono } from "hono";
import { z } from "zod";
import { errorJson, requireToken } from "../../shared/http/mod.ts";
import type { PredictorSlot } from "../../shared/predictor/mod.ts";

/** The version routes' paths and methods, for the app's 405 table. */
export const VERSION_METHODS: Record<string, string> = {
  "/v1/checkpoints": "GET",
  "/v1/models/promote": "POST",
  "/v1/models/rollback": "POST",
};

/** One stored checkpoint version in the listing. */
export interface CheckpointEntry {
  version: string;
  createdAt: string;
  metrics: Record<string, unknown>;
}

/** Model management over NATS (absent when serving a folder). */
export interface ModelRegistry {
  name: string;
  list(): Promise<CheckpointEntry[]>;
  pinned(): Promise<string | null>;
  promote(version: string): Promise<void>;
  /**
   * Returns the version now pinned; throws {@linkcode NothingToRollBackError} when there is no
   * earlier pin. Promote and rollback throw {@linkcode PinsForbiddenError} when NATS refuses.
   */
  rollback(): Promise<string>;
}

/** The registry may not change pins: its NATS identity lacks the permission. */
export class PinsForbiddenError extends Error {
  override name = "PinsForbiddenError";
}

/** Rollback found no earlier pin. */
export class NothingToRollBackError extends Error {
  override name = "NothingToRollBackError";
}

/** Dependencies of {@linkcode mountVersionRoutes}. */
export interface VersionRoutesDeps {
  slot: PredictorSlot;
  /** Required (Bearer) for promote and rollback; null: those endpoints are refused. */
  adminToken: string | null;
  registry?: ModelRegistry;
}

const PromoteSchema = z.object({ version: z.string().min(1) });

const notManaged = (c: Context) =>
  errorJson(c, 409, "not_managed", "this replica serves a folder; start it with --nats to manage versions");

/** `GET /v1/checkpoints`: the registry's versions, or just the served one when there is no registry. */
function mountCheckpointList<E extends Env>(app: Hono<E>, slot: PredictorSlot, registry?: ModelRegistry): void {
  app.get("/v1/checkpoints", async (c) => {
    const serving = slot.current?.predictor.manifest ?? null;
    if (!registry) {
      return c.json({
        name: serving?.name ?? null,
        serving: serving?.version ?? null,
        pinned: null,
        managed: false,
        checkpoints: serving
          ? [{ version: serving.version, createdAt: serving.createdAt, metrics: serving.metrics }]
          : [],
      });
    }
    const [checkpoints, pinned] = await Promise.all([registry.list(), registry.pinned()]);
    return c.json({ name: registry.name, serving: serving?.version ?? null, pinned, managed: true, checkpoints });
  });
}

/**
 * @example
 * ```ts
 * mountVersionRoutes(app, { slot, adminToken, registry });
 * ```
 */
export function mountVersionRoutes<E extends Env>(app: Hono<E>, deps: VersionRoutesDeps): void {
  const { registry } = deps;
  const admin = requireToken({
    token: deps.adminToken,
    scope: "admin",
    configuredBy: "--admin-token or ALEXNET_ADMIN_TOKEN",
  });
  mountCheckpointList(app, deps.slot, registry);
  app.post("/v1/models/promote", admin, async (c) => {
    if (!registry) return notManaged(c);
    const body = PromoteSchema.safeParse(await c.req.json().catch(() => null));
    if (!body.success) return errorJson(c, 400, "invalid_request", 'send JSON {"version": "…"}');
    const known = (await registry.list()).some((entry) => entry.version === body.data.version);
    if (!known) return errorJson(c, 404, "unknown_version", `${registry.name}@${body.data.version} is not published`);
    try {
      await registry.promote(body.data.version);
    } catch (error) {
      if (error instanceof PinsForbiddenError) return errorJson(c, 403, "bus_forbidden", error.message);
      throw error;
    }
    return c.json({ name: registry.name, pinned: body.data.version });
  });
  app.post("/v1/models/rollback", admin, async (c) => {
    if (!registry) return notManaged(c);
    try {
      return c.json({ name: registry.name, pinned: await registry.rollback() });
    } catch (error) {
      if (error instanceof NothingToRollBackError) return errorJson(c, 409, "no_earlier_pin", error.message);
      if (error instanceof PinsForbiddenError) return errorJson(c, 403, "bus_forbidden", error.message);
      throw error;
    }
  });
}
