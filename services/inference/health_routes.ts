/**
 * `GET /healthz` (the process answers) and `GET /readyz` (a model is loaded: 200 with its name
 * and version, what its convolutions compute in (`float32` on TF.js or `int8`) and what the
 * process holds in V8 and WebAssembly memory, else 503 `not_ready`),
 * for the inference service and the edge function alike.
 *
 * @module
 */
import type { Env, Hono } from "hono";
import { errorJson } from "../../shared/http/mod.ts";
import type { PredictorSlot } from "../../shared/predictor/mod.ts";

/** The health routes' paths and methods, for the apps' 405 tables. */
export const HEALTH_METHODS: Record<string, string> = { "/healthz": "GET", "/readyz": "GET" };

/**
 * @example
 * ```ts
 * mountHealthRoutes(app, engine.slot, { notReady: () => "loading the model" });
 * ```
 */
export function mountHealthRoutes<E extends Env>(
  app: Hono<E>,
  slot: PredictorSlot,
  options: { notReady?: () => string } = {},
): void {
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", (c) => {
    const served = slot.current?.predictor;
    if (!served) return errorJson(c, 503, "not_ready", options.notReady?.() ?? "no model is loaded yet");
    const { name, version } = served;
    return c.json({
      status: "ready",
      model: { name, version },
      convolutions: served.convolutions,
      memoryBytes: served.memory(),
    });
  });
}
