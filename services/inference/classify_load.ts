/**
 * `deno task load:classify`: a bounded load generator for `POST /v1/classify` — N requests
 * with at most C in flight — printing progress, then requests/s and latency p50/p90/p99.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ProgressBar, runCli, UsageError } from "../../shared/cli/mod.ts";

/** Latency percentile (nearest rank) of sorted milliseconds. */
export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return NaN;
  return sortedMs[Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1)];
}

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      url: { type: "string", default: "http://127.0.0.1:8080/v1/classify" },
      requests: { type: "string", default: "200" },
      concurrency: { type: "string", default: "1" },
      warmup: { type: "string", default: "5" },
    },
  });
  const total = Number(values.requests), concurrency = Number(values.concurrency), warmup = Number(values.warmup);
  if (![total, concurrency].every((n) => Number.isInteger(n) && n > 0)) {
    throw new UsageError("--requests and --concurrency must be positive integers");
  }
  if (positionals.length === 0) throw new UsageError("give one or more IMAGE files to send");
  const images = await Promise.all(positionals.map((p) =>
    Deno.readFile(p).catch(() => {
      throw new UsageError(`cannot read ${p}`);
    })
  ));
  const send = async (i: number) => {
    const started = performance.now();
    const res = await fetch(values.url!, {
      method: "POST",
      body: images[i % images.length] as BodyInit,
      headers: { "content-type": "application/octet-stream" },
    });
    await res.arrayBuffer();
    return { ms: performance.now() - started, status: res.status };
  };
  for (let i = 0; i < warmup; i++) await send(i);
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const bar = new ProgressBar("classify", total, { unit: "requests" });
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const { ms, status } = await send(next++);
      latencies.push(ms);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      bar.tick();
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  bar.done();
  latencies.sort((a, b) => a - b);
  const summary = {
    url: values.url,
    requests: total,
    concurrency,
    statuses: Object.fromEntries(statuses),
    requestsPerSec: total / seconds,
    p50Ms: percentile(latencies, 50),
    p90Ms: percentile(latencies, 90),
    p99Ms: percentile(latencies, 99),
  };
  console.log(
    `${total} requests, concurrency ${concurrency}: ${summary.requestsPerSec.toFixed(1)} req/s, ` +
      `p50 ${summary.p50Ms.toFixed(1)} ms, p90 ${summary.p90Ms.toFixed(1)} ms, p99 ${summary.p99Ms.toFixed(1)} ms, ` +
      `statuses ${JSON.stringify(summary.statuses)}`,
  );
  console.log(JSON.stringify(summary));
  return 0;
}

if (import.meta.main) await runCli(() => main(Deno.args));
