/**
 * A bounded HTTP load: `total` POSTs of the given bodies with `concurrency` in flight, after a
 * warm-up, with a progress line. It counts statuses and dropped connections, checks that every
 * refusal is a 503 carrying `Retry-After` (the only error an overloaded service may answer with),
 * and reports requests/s, latency p50/p90/p99 and the service's resident memory before and after
 * (read from its `/metrics`).
 *
 * @module
 */
import { ProgressBar } from "../cli/progress_bar.ts";

/** What to send. */
export interface LoadOptions {
  url: string;
  bodies: Uint8Array[];
  contentType: string;
  total: number;
  concurrency: number;
  /** Requests sent one at a time first, not counted (default 5). */
  warmup?: number;
  /** The service's Prometheus endpoint, for `process_resident_memory_bytes` (default: URL's origin + /metrics). */
  metricsUrl?: string;
  label?: string;
}

/** What came back. */
export interface LoadResult {
  url: string;
  requests: number;
  concurrency: number;
  seconds: number;
  requestsPerSec: number;
  statuses: Record<number, number>;
  dropped: number;
  /** Non-2xx answers other than a 503 with `Retry-After`. */
  errors: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  rssBeforeMiB: number | null;
  rssAfterMiB: number | null;
  /** No dropped connection and no error but 503 + Retry-After. */
  ok: boolean;
}

/** Latency percentile (nearest rank) of sorted milliseconds. */
export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return NaN;
  return sortedMs[Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1)];
}

/** `process_resident_memory_bytes` from a Prometheus endpoint, in MiB; null when absent or unreachable. */
export async function residentMemoryMiB(metricsUrl: string): Promise<number | null> {
  try {
    const text = await (await fetch(metricsUrl)).text();
    const match = /^process_resident_memory_bytes\s+([0-9.e+]+)$/m.exec(text);
    return match ? Number(match[1]) / 2 ** 20 : null;
  } catch {
    return null;
  }
}

/**
 * @example
 * ```ts
 * const result = await runLoad({ url: "http://127.0.0.1:8080/v1/classify", bodies: [jpeg], contentType: "image/jpeg", total: 10_000, concurrency: 64 });
 * console.log(formatLoad(result));
 * ```
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const metricsUrl = options.metricsUrl ?? `${new URL(options.url).origin}/metrics`;
  const send = async (i: number) => {
    const started = performance.now();
    const response = await fetch(options.url, {
      method: "POST",
      body: options.bodies[i % options.bodies.length] as BodyInit,
      headers: { "content-type": options.contentType },
    });
    await response.arrayBuffer();
    return {
      ms: performance.now() - started,
      status: response.status,
      retryAfter: response.headers.has("retry-after"),
    };
  };
  for (let i = 0; i < (options.warmup ?? 5); i++) await send(i);
  const rssBeforeMiB = await residentMemoryMiB(metricsUrl);
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let next = 0, dropped = 0, errors = 0;
  const bar = new ProgressBar(options.label ?? "load", options.total, { unit: "requests" });
  const started = performance.now();
  await Promise.all(Array.from({ length: options.concurrency }, async () => {
    while (next < options.total) {
      const i = next++;
      try {
        const { ms, status, retryAfter } = await send(i);
        latencies.push(ms);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status >= 300 && !(status === 503 && retryAfter)) errors++;
      } catch {
        dropped++;
      }
      bar.tick();
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  bar.done();
  await new Promise((r) => setTimeout(r, 1000));
  const rssAfterMiB = await residentMemoryMiB(metricsUrl);
  latencies.sort((a, b) => a - b);
  return {
    url: options.url,
    requests: options.total,
    concurrency: options.concurrency,
    seconds,
    requestsPerSec: options.total / seconds,
    statuses,
    dropped,
    errors,
    p50Ms: percentile(latencies, 50),
    p90Ms: percentile(latencies, 90),
    p99Ms: percentile(latencies, 99),
    rssBeforeMiB,
    rssAfterMiB,
    ok: dropped === 0 && errors === 0,
  };
}

/** One line for people: rate, latencies, statuses, memory, and whether the run was clean. */
export function formatLoad(r: LoadResult): string {
  const mib = (v: number | null) => (v === null ? "?" : `${v.toFixed(0)} MiB`);
  return `${r.requests} requests, ${r.concurrency} in flight: ${r.requestsPerSec.toFixed(1)} req/s, ` +
    `p50 ${r.p50Ms.toFixed(1)} ms, p90 ${r.p90Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, ` +
    `statuses ${JSON.stringify(r.statuses)}, dropped ${r.dropped}, RSS ${mib(r.rssBeforeMiB)} → ${
      mib(r.rssAfterMiB)
    }; ` +
    (r.ok ? "PASS: no error but 503 with Retry-After" : `FAIL: ${r.errors} errors, ${r.dropped} dropped`);
}
