/**
 * The services' one error shape, `{error: {code, message}}`, and the mapping from the errors
 * a client can cause (bad image, too big, overloaded…) to HTTP statuses.
 *
 * @module
 */
import type { Context } from "hono";
import { ImageDecodeError, UnsupportedImageError } from "../image/decode_image.ts";
import { PixelLimitError } from "../image/pixel_limit.ts";
import { QueueFullError } from "./work_queue.ts";

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

/** What a client is told about an error (over HTTP, or in a NATS reply). */
export interface ErrorDescription {
  status: number;
  code: string;
  message: string;
  retryAfterSeconds?: number;
}

/**
 * The status, code and message of an error a client can cause (bad image, too big,
 * overloaded…); anything else is logged and described as a 500 `internal` error.
 *
 * @example
 * ```ts
 * message.respond(JSON.stringify({ error: { code: describeError(error).code, message: error.message } }));
 * ```
 */
export function describeError(error: unknown): ErrorDescription {
  if (error instanceof RequestError) {
    return {
      status: error.status,
      code: error.code,
      message: error.message,
      retryAfterSeconds: error.retryAfterSeconds,
    };
  }
  if (error instanceof UnsupportedImageError) {
    return { status: 415, code: "unsupported_media_type", message: `the body is ${error.message}` };
  }
  if (error instanceof ImageDecodeError) return { status: 400, code: "corrupt_image", message: error.message };
  if (error instanceof PixelLimitError) return { status: 413, code: "too_many_pixels", message: error.message };
  if (error instanceof QueueFullError) {
    return { status: 503, code: "overloaded", message: error.message, retryAfterSeconds: 1 };
  }
  // hono's bodyLimit aborts a streamed body that grows past the limit while it is being read.
  if (error instanceof Error && error.name === "BodyLimitError") {
    return { status: 413, code: "body_too_large", message: "the body is over the byte limit" };
  }
  console.error(error);
  return { status: 500, code: "internal", message: "internal error" };
}

/** Maps any error to the JSON error response ({@linkcode describeError}). */
export function errorResponse(c: Context, error: unknown) {
  const { status, code, message, retryAfterSeconds } = describeError(error);
  const headers: Record<string, string> = retryAfterSeconds === undefined
    ? {}
    : { "Retry-After": String(retryAfterSeconds) };
  return errorJson(c, status, code, message, headers);
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
