/**
 * A checkpoint served over HTTP(S), read one file at a time: the inference service's
 * `/v1/model/files/VERSION/` endpoint, a static host, or an S3-style bucket whose objects can be
 * read (`NAME/VERSION/manifest.json` …). A missing file (404/410) reads as absent; any other
 * answer, an unreachable host or a file over the size limit is a {@linkcode CheckpointFetchError}
 * naming the URL. Works wherever `fetch` does: Deno, edge runtimes, the browser.
 *
 * @module
 */
import { concatBytes } from "./checkpoint_files.ts";
import type { CheckpointSource } from "./checkpoint_source.ts";

/** A checkpoint file that could not be fetched. */
export class CheckpointFetchError extends Error {
  override name = "CheckpointFetchError";
}

/** Options of {@linkcode urlSource}. */
export interface UrlSourceOptions {
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
  /** Refuse any one file larger than this (default 64 MiB; weight shards are 4 MiB). */
  maxFileBytes?: number;
  /** Extra request headers, e.g. `Authorization`. */
  headers?: Record<string, string>;
}

/**
 * The checkpoint whose files lie under `base` (a folder URL; a missing trailing slash is added).
 *
 * @example
 * ```ts
 * const source = urlSource("https://models.example.com/cats-dogs/20261204-1/");
 * const { manifest } = await openCheckpoint(source, trust);
 * ```
 */
export function urlSource(base: string, options: UrlSourceOptions = {}): CheckpointSource {
  let folder: URL;
  try {
    folder = new URL(base.endsWith("/") ? base : `${base}/`);
  } catch {
    throw new CheckpointFetchError(`${base} is not a URL`);
  }
  if (folder.protocol !== "https:" && folder.protocol !== "http:") {
    throw new CheckpointFetchError(`${base}: a checkpoint URL must be http: or https:`);
  }
  const fetchFile = options.fetch ?? fetch;
  const limit = options.maxFileBytes ?? 64 * 1024 * 1024;
  const get = async (path: string): Promise<{ response: Response; url: string } | null> => {
    const url = new URL(encodeURIComponent(path), folder);
    let response: Response;
    try {
      response = await fetchFile(url, { headers: options.headers });
    } catch (error) {
      throw new CheckpointFetchError(`could not fetch ${url.href}: ${(error as Error).message}`);
    }
    if (response.status === 404 || response.status === 410) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new CheckpointFetchError(`GET ${url.href} answered ${response.status} ${response.statusText}`.trim());
    }
    const announced = Number(response.headers.get("content-length") ?? NaN);
    if (announced > limit) {
      await response.body?.cancel();
      throw new CheckpointFetchError(`${url.href} is ${announced} bytes, over the ${limit} byte limit for one file`);
    }
    return { response, url: url.href };
  };
  return {
    location: folder.href,
    // Four requests in flight keep a remote host's round trips off the critical path.
    parallelReads: 4,
    async read(path) {
      const got = await get(path);
      return got && await readBody(got.response, limit, got.url);
    },
    async readInto(path, into) {
      const got = await get(path);
      return got && await readBodyInto(got.response, limit, got.url, into);
    },
  };
}

const overLimit = (url: string, limit: number) =>
  new CheckpointFetchError(`${url} is over the ${limit} byte limit for one file`);

/** Runs `read` over a body's reader; a failure cancels the body and is reported naming `url`. */
async function readingBody<T>(reader: ReadableStreamGenericReader, url: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    await reader.cancel().catch(() => {});
    if (error instanceof CheckpointFetchError) throw error;
    throw new CheckpointFetchError(`reading ${url} failed: ${(error as Error).message}`);
  }
}

/**
 * The body read straight into `into` by a BYOB reader: no chunk is allocated, so a checkpoint's
 * worth of chunks is not left for the collector (they stay in an edge isolate's memory until
 * V8 gets to them). The reads transfer `into`'s buffer; the answer is a view of where it went
 * (or of a larger copy when the file outgrows it). A body that cannot be read so (a `fetch`
 * given in the options may make one) is read chunk by chunk.
 */
async function readBodyInto(response: Response, limit: number, url: string, into: Uint8Array): Promise<Uint8Array> {
  if (!response.body) return into.subarray(0, 0);
  let reader: ReadableStreamBYOBReader;
  try {
    reader = response.body.getReader({ mode: "byob" });
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return await readBody(response, limit, url, into);
  }
  let buffer: ArrayBufferLike = into.buffer, base = into.byteOffset, capacity = into.byteLength, total = 0;
  return await readingBody(reader, url, async () => {
    for (;;) {
      if (total === capacity) {
        // Full but not finished: continue in a larger copy (one read past the limit tells).
        const larger = new Uint8Array(Math.min(Math.max(capacity * 2, 65536), limit + 1));
        if (larger.byteLength <= capacity) throw overLimit(url, limit);
        larger.set(new Uint8Array(buffer, base, total));
        (buffer = larger.buffer), (base = 0), (capacity = larger.byteLength);
      }
      const { done, value } = await reader.read(new Uint8Array(buffer, base + total, capacity - total));
      if (value) {
        buffer = value.buffer;
        total += value.byteLength;
      }
      if (total > limit) throw overLimit(url, limit);
      if (done) return new Uint8Array(buffer, base, total);
    }
  });
}

/**
 * The body's bytes, refusing more than `limit` without reading past it; copied into `into`
 * while they fit (the chunks themselves are dropped as they arrive).
 */
async function readBody(response: Response, limit: number, url: string, into?: Uint8Array): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  await readingBody(reader, url, async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (total + value.byteLength > limit) throw overLimit(url, limit);
      if (into && parts.length === 0 && total + value.byteLength <= into.byteLength) into.set(value, total);
      else {
        if (into && parts.length === 0) parts.push(into.slice(0, total)); // outgrew the buffer
        parts.push(value);
      }
      total += value.byteLength;
    }
  });
  if (into && parts.length === 0) return into.subarray(0, total);
  return parts.length === 1 ? parts[0] : concatBytes(parts);
}
