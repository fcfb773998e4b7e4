/**
 * The services' one error shape, `{error: {code, message}}`, and the mapping from the errors
 * a client can cause (bad image, too big, overloaded…) to HTTP statuses.
 *
 * @module
 */
import type { Context } from "hono";
import { ImageDecodeError, UnsupportedImageError } from "../image/decode_image.ts";

/** A request the client got wrong (or cannot be served now), with its status and code. */
export class RequestError extends Error {
  override name = "RequestError";
  constructor(
    readonly status: 400 | 404 | 405 | 409 | 413 | 415 | 503,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** Writes the JSON error body with `status` (and extra headers). */
export function errorJson(
  c: Context,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
) {
  for (const [k, v] of Object.entries(headers)) c.header(k, v);
  return c.json({ error: { code, message } }, status as 400);
}

/** Maps any error to the JSON error response; unknown errors are logged and answered 500. */
export function errorResponse(c: Context, error: unknown) {
  if (error instanceof RequestError) {
    const headers: Record<string, string> = error.retryAfterSeconds === undefined
      ? {}
      : { "Retry-After": String(error.retryAfterSeconds) };
    return errorJson(c, error.status, error.code, error.message, headers);
  }
  if (error instanceof UnsupportedImageError) {
    return errorJson(c, 415, "unsupported_media_type", "the body is not a JPEG or PNG image");
  }
  if (error instanceof ImageDecodeError) return errorJson(c, 400, "corrupt_image", error.message);
  // hono's bodyLimit aborts a streamed body that grows past the limit while it is being read.
  if (error instanceof Error && error.name === "BodyLimitError") {
    return errorJson(c, 413, "body_too_large", "the body is over the byte limit");
  }
  console.error(error);
  return errorJson(c, 500, "internal", "internal error");
}

/**
 * Reads image bytes from a raw body or from multipart `image` fields; other multipart fields
 * are returned as strings.
 */
export async function readImageParts(c: Context): Promise<{ images: Uint8Array[]; fields: Record<string, string> }> {
  const type = c.req.header("content-type") ?? "";
  if (type.startsWith("multipart/form-data")) {
    let form: Record<string, unknown>;
    try {
      form = await c.req.parseBody({ all: true });
    } catch {
      throw new RequestError(400, "invalid_multipart", "the multipart body could not be parsed");
    }
    const field = form["image"];
    const files = (Array.isArray(field) ? field : field === undefined ? [] : [field]).filter((f) => f instanceof File);
    if (files.length === 0) {
      throw new RequestError(400, "missing_image", "multipart body has no file field named `image`");
    }
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(form)) if (typeof v === "string") fields[k] = v;
    return {
      images: await Promise.all(files.map(async (f) => new Uint8Array(await (f as File).arrayBuffer()))),
      fields,
    };
  }
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.length === 0) throw new RequestError(400, "empty_body", "the request body is empty; send a JPEG or PNG");
  return { images: [bytes], fields: {} };
}
