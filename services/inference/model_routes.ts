/**
 * The served model over HTTP: `GET /v1/models` (the loaded model and the versions that exist for
 * its name), `GET /v1/model/info` (what the web pages need to run and label it), the checkpoint's
 * files as stored and signed (`/v1/model/files/:version/:file`, for the browser and edge
 * functions) and its conv1 kernel grid (`/v1/model/conv1.png`, Fig. 3).
 *
 * @module
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { SIGNATURE_FILE } from "../../shared/checkpoint/mod.ts";
import { errorJson } from "../../shared/http/mod.ts";
import { encodeRgbPng, kernelGrid } from "../../shared/image/mod.ts";
import type { Predictor, PredictorSlot } from "../../shared/predictor/mod.ts";

/** The model routes' paths and methods, for the app's 405 table. */
export const MODEL_METHODS: Record<string, string> = {
  "/v1/models": "GET",
  "/v1/model/info": "GET",
  "/v1/model/files/:version/:file": "GET",
  "/v1/model/conv1.png": "GET",
};

const modelsRoute = createRoute({
  method: "get",
  path: "/v1/models",
  summary: "The loaded model and the versions that exist for its name",
  responses: {
    200: {
      description: "models",
      content: {
        "application/json": {
          schema: z.object({
            loaded: z.object({
              name: z.string(),
              version: z.string(),
              arch: z.string(),
              inputSize: z.number(),
              classes: z.number(),
              loadedAt: z.string(),
              metrics: z.record(z.string(), z.unknown()),
            }).nullable(),
            versions: z.array(z.string()),
          }),
        },
      },
    },
  },
});

/** Caches one value per served version (files and the kernel grid are costly to make). */
function perVersion<T>(make: (predictor: Predictor) => Promise<T>) {
  let cached: { version: string; value: Promise<T> } | null = null;
  return (predictor: Predictor) => {
    if (cached?.version !== predictor.version) cached = { version: predictor.version, value: make(predictor) };
    return cached.value;
  };
}

const notReady = (c: Context) => errorJson(c, 503, "not_ready", "no model is loaded yet", { "Retry-After": "2" });

/** `GET /v1/models`: the loaded model, and the versions `listVersions` knows (else the loaded one). */
function mountModelsList(app: OpenAPIHono, slot: PredictorSlot, listVersions?: () => Promise<string[]>): void {
  app.openapi(modelsRoute, async (c) => {
    const served = slot.current?.predictor;
    const m = served?.manifest;
    return c.json({
      loaded: served && m
        ? {
          name: m.name,
          version: m.version,
          arch: m.arch,
          inputSize: m.inputSize,
          classes: m.classNames.length,
          loadedAt: served.loadedAt,
          metrics: m.metrics,
        }
        : null,
      versions: listVersions ? await listVersions() : m ? [m.version] : [],
    }, 200);
  });
}

/** `GET /v1/model/info`. */
function mountModelInfo(app: OpenAPIHono, slot: PredictorSlot): void {
  app.get("/v1/model/info", (c) => {
    const served = slot.current?.predictor;
    if (!served) return notReady(c);
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
}

/** The checkpoint's files and the conv1 grid, answered with the served predictor held (a swap cannot dispose it). */
function mountModelFiles(app: OpenAPIHono, slot: PredictorSlot): void {
  const withPredictor = (c: Context, answer: (predictor: Predictor) => Promise<Response> | Response) =>
    slot.current ? slot.use(async ({ predictor }) => await answer(predictor)) : notReady(c);
  const conv1Png = perVersion(async (predictor) => {
    const { values, shape } = await predictor.kernel("conv1");
    return encodeRgbPng(kernelGrid(values, shape, shape[3] > 64 ? 12 : 8, 6));
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
}

/**
 * @example
 * ```ts
 * mountModelRoutes(app, engine.slot, () => registry.versions());
 * ```
 */
export function mountModelRoutes(
  app: OpenAPIHono,
  slot: PredictorSlot,
  listVersions?: () => Promise<string[]>,
): void {
  mountModelsList(app, slot, listVersions);
  mountModelInfo(app, slot);
  mountModelFiles(app, slot);
}
