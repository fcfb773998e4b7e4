/**
 * HTTP endpoints behind the web pages: the served model's description, files for running it
 * in the browser, its conv1 kernel grid (Fig. 3), the checkpoint list with metrics,
 * promote/rollback, and the live training events (server-sent events).
 *
 * @module
 */
import type { Context, Env, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import { SIGNATURE_FILE } from "../../shared/checkpoint/mod.ts";
import { errorJson, requireToken } from "../../shared/http/mod.ts";
import { encodeRgbPng, kernelGrid } from "../../shared/image/mod.ts";
import type { Predictor, PredictorSlot } from "../../shared/predictor/mod.ts";
import type { TrainingRelay } from "./training_relay.ts";

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

/** Dependencies of {@linkcode mountModelApi}. */
export interface ModelApiDeps {
  slot: PredictorSlot;
  /** Required (Bearer) for promote and rollback; null: those endpoints are refused. */
  adminToken: string | null;
  registry?: ModelRegistry;
  training?: TrainingRelay;
}

const PromoteSchema = z.object({ version: z.string().min(1) });

/** Caches one value per served version (files and the kernel grid are costly to make). */
function perVersion<T>(make: (predictor: Predictor) => Promise<T>) {
  let cached: { version: string; value: Promise<T> } | null = null;
  return (predictor: Predictor) => {
    if (cached?.version !== predictor.version) cached = { version: predictor.version, value: make(predictor) };
    return cached.value;
  };
}

/**
 * @example
 * ```ts
 * mountModelApi(app, { slot, adminToken, registry, training: new TrainingRelay(nc) });
 * ```
 */
export function mountModelApi<E extends Env>(app: Hono<E>, deps: ModelApiDeps): void {
  const { slot, registry, training } = deps;
  const admin = requireToken({
    token: deps.adminToken,
    scope: "admin",
    configuredBy: "--admin-token or ALEXNET_ADMIN_TOKEN",
  });
  const conv1Png = perVersion(async (predictor) => {
    const { values, shape } = await predictor.kernel("conv1");
    return encodeRgbPng(kernelGrid(values, shape, shape[3] > 64 ? 12 : 8, 6));
  });
  const notReady = (c: Context) => errorJson(c, 503, "not_ready", "no model is loaded yet", { "Retry-After": "2" });
  /** Answers with the served predictor held, so a swap cannot dispose it mid-way. */
  const withPredictor = (c: Context, answer: (predictor: Predictor) => Promise<Response> | Response) =>
    slot.current ? slot.use(async ({ predictor }) => await answer(predictor)) : notReady(c);
  const current = (c: Context) => {
    const served = slot.current?.predictor;
    return served ? { served } : { response: notReady(c) };
  };

  app.get("/v1/model/info", (c) => {
    const { served, response } = current(c);
    if (!served) return response;
    const m = served.manifest;
    return c.json({
      name: m.name,
      version: m.version,
      arch: m.arch,
      width: m.width,
      inputSize: m.inputSize,
      resizeSize: m.resizeSize,
      normalization: m.normalization,
      metrics: m.metrics,
      loadedAt: served.loadedAt,
      labels: served.labels,
    });
  });
  app.get("/v1/model/files/:version/:file", (c) =>
    withPredictor(c, async (predictor) => {
      if (c.req.param("version") !== predictor.version) {
        return errorJson(
          c,
          404,
          "not_serving",
          `version ${c.req.param("version")} is no longer served; reload the page`,
        );
      }
      // The checkpoint's files as stored and signed, so a browser or an edge function can verify them.
      const file = c.req.param("file");
      const listed = file === "manifest.json" || file === SIGNATURE_FILE || file in predictor.manifest.files;
      const bytes = listed ? await predictor.file(file) : null;
      if (!bytes) return errorJson(c, 404, "not_found", `the checkpoint has no file ${file}`);
      const type = file.endsWith(".json") ? "application/json" : "application/octet-stream";
      return new Response(bytes as BodyInit, { headers: { "content-type": type, "cache-control": "max-age=3600" } });
    }));
  app.get(
    "/v1/model/conv1.png",
    (c) =>
      withPredictor(c, async (predictor) =>
        new Response(await conv1Png(predictor) as BodyInit, {
          headers: { "content-type": "image/png", "x-model-version": predictor.version },
        })),
  );
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
  app.post("/v1/models/promote", admin, async (c) => {
    if (!registry) {
      return errorJson(c, 409, "not_managed", "this replica serves a folder; start it with --nats to manage versions");
    }
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
    if (!registry) {
      return errorJson(c, 409, "not_managed", "this replica serves a folder; start it with --nats to manage versions");
    }
    try {
      return c.json({ name: registry.name, pinned: await registry.rollback() });
    } catch (error) {
      if (error instanceof NothingToRollBackError) return errorJson(c, 409, "no_earlier_pin", error.message);
      if (error instanceof PinsForbiddenError) return errorJson(c, 403, "bus_forbidden", error.message);
      throw error;
    }
  });
  app.get("/v1/training/events", (c) => {
    if (!training) return errorJson(c, 409, "not_connected", "start the service with --nats to see training events");
    return streamSSE(c, async (stream) => {
      for (const event of training.snapshot()) {
        await stream.writeSSE({ event: event.kind, data: JSON.stringify(event.data) });
      }
      await stream.writeSSE({ event: "ready", data: "{}" });
      const queue: Promise<void>[] = [];
      const off = training.listen((event) => {
        queue.push(stream.writeSSE({ event: event.kind, data: JSON.stringify(event.data) }));
      });
      // Comments keep proxies from closing an idle stream.
      const keepAlive = setInterval(() => queue.push(stream.write(": keep-alive\n\n").then(() => {})), 15_000);
      await new Promise<void>((resolve) => stream.onAbort(resolve));
      clearInterval(keepAlive);
      off();
      await Promise.allSettled(queue);
    });
  });
}
