/**
 * The catalogue's images over HTTP: `POST /v1/images` (add: raw bytes or multipart with `id` and
 * JSON `metadata`; the write token when one is set), `GET /v1/images/:id` and
 * `GET /v1/images/:id/thumbnail` (the bytes, metadata in `X-Image-Metadata`) and
 * `DELETE /v1/images/:id` (the admin token).
 *
 * @module
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { errorJson, errorResponse, readImageParts, RequestError } from "../../shared/http/mod.ts";
import type { Queued } from "./queued_job.ts";
import type { RetrievalLibrary } from "./retrieval_library.ts";
import type { RetrievalMetrics } from "./retrieval_metrics.ts";
import { addRoute, MetadataSchema } from "./retrieval_schemas.ts";

/** The image routes' paths and methods, for the app's 405 table. */
export const IMAGE_METHODS: Record<string, string> = {
  "/v1/images": "POST",
  "/v1/images/:id": "GET, DELETE",
  "/v1/images/:id/thumbnail": "GET",
};

/** What the image routes need. */
export interface ImageRoutesDeps {
  library: RetrievalLibrary;
  metrics: RetrievalMetrics;
  queued: Queued;
  /** Guards adding (the write token) and deleting (the admin token). */
  writer: MiddlewareHandler;
  admin: MiddlewareHandler;
}

/** The `metadata` field of a multipart add: a JSON object, or 400 `invalid_metadata`. */
function parseMetadata(field: string | undefined): Record<string, unknown> {
  if (field === undefined) return {};
  let json: unknown = null;
  try {
    json = JSON.parse(field);
  } catch {
    // stays null: refused below
  }
  const parsed = MetadataSchema.safeParse(json);
  if (!parsed.success) throw new RequestError(400, "invalid_metadata", "metadata must be a JSON object");
  return parsed.data;
}

/**
 * @example
 * ```ts
 * mountImageRoutes(app, { library, metrics, queued, writer, admin });
 * ```
 */
export function mountImageRoutes(app: OpenAPIHono, deps: ImageRoutesDeps): void {
  const { library, metrics, queued } = deps;
  app.openAPIRegistry.registerPath(addRoute);
  app.post("/v1/images", deps.writer, async (c) => {
    try {
      const { images: [bytes], fields } = await readImageParts(c);
      const metadata = parseMetadata(fields.metadata);
      const id = fields.id ?? c.req.query("id");
      const result = await queued(() => library.add(bytes, { id, metadata }));
      metrics.images.set(library.status().images);
      return c.json(result, result.duplicate ? 200 : 201);
    } catch (error) {
      return errorResponse(c, error);
    }
  });
  const image = async (c: Context, thumbnail: boolean) => {
    const id = c.req.param("id")!;
    const record = library.record(id);
    const bytes = record ? await (thumbnail ? library.thumbnail(id) : library.original(id)) : null;
    if (!record || !bytes) return errorJson(c, 404, "not_found", `no image with id ${id}`);
    const type = thumbnail ? "image/jpeg" : bytes[0] === 0x89 ? "image/png" : "image/jpeg";
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      "Content-Type": type,
      "X-Image-Metadata": JSON.stringify(record.metadata),
    });
  };
  app.get("/v1/images/:id", (c) => image(c, false));
  app.get("/v1/images/:id/thumbnail", (c) => image(c, true));
  app.delete("/v1/images/:id", deps.admin, async (c) => {
    const id = c.req.param("id");
    if (!(await library.delete(id))) return errorJson(c, 404, "not_found", `no image with id ${id}`);
    metrics.images.set(library.status().images);
    return c.json({ id, deleted: true });
  });
}
