/**
 * The bench's HTTP section: the inference service started as a real process on a checkpoint
 * folder, its cold start (process start → first answered classify) for float16, int8 and float32
 * weight files, then a bounded load on the float32 one — with one WASM instance and with a worker
 * per core — giving latency percentiles, throughput and the service's peak RSS.
 *
 * @module
 */
import { type CheckpointFiles, quantizeCheckpoint, writeCheckpointDir } from "../../shared/checkpoint/mod.ts";
import { spawnService } from "../fixtures/spawn_service.ts";
import { peakRssMiB } from "./peak_rss.ts";

/** A started inference service and how long it took to answer its first classify. */
export interface StartedInference {
  base: string;
  classify(bytes: Uint8Array): Promise<Response>;
  stop(): Promise<void>;
  pid: number;
  coldStart: number;
}

/** What one bounded load measured. */
export interface LoadResult {
  failed: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  serviceRssMiB: number | null;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];

/**
 * Starts `services/inference/main.ts --checkpoint DIR` (WASM, unsigned checkpoints allowed: the
 * bench makes its own) and classifies `probe` until it answers. A service that exits first, or
 * never answers within `timeoutMs`, rejects with what it printed.
 *
 * @example
 * ```ts
 * const service = await startInference(dir, jpegBytes);
 * ```
 */
export async function startInference(
  dir: string,
  probe: Uint8Array,
  extraArgs: string[] = [],
  timeoutMs = 120_000,
): Promise<StartedInference> {
  const started = performance.now();
  const { base, child } = await spawnService(new URL("../../services/inference/main.ts", import.meta.url).pathname, [
    ...["--checkpoint", dir, "--max-queued", "1024", ...extraArgs],
  ]);
  const classify = (bytes: Uint8Array) =>
    fetch(`${base}/v1/classify?topk=5`, {
      method: "POST",
      body: bytes as BodyInit,
      headers: { "content-type": PNG_MAGIC.every((b, i) => bytes[i] === b) ? "image/png" : "image/jpeg" },
    });
  let exited = false;
  child.status.then(() => exited = true);
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // already stopped
    }
    await child.status;
  };
  let last = "no answer";
  for (;;) {
    if (exited) throw new Error(`the inference service exited before answering a classify (last: ${last})`);
    try {
      const response = await classify(probe);
      if (response.ok) {
        await response.body?.cancel();
        return { base, classify, stop, pid: child.pid, coldStart: (performance.now() - started) / 1000 };
      }
      last = `HTTP ${response.status} ${await response.text()}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (performance.now() - started > timeoutMs) {
      await stop();
      throw new Error(`the inference service did not answer within ${timeoutMs / 1000} s (last: ${last})`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `requests` classify calls, `concurrency` in flight, after 5 warm-up calls. */
export async function loadTest(
  service: StartedInference,
  photos: Uint8Array[],
  requests: number,
  concurrency: number,
  log: (line: string) => void,
): Promise<LoadResult> {
  log(`HTTP: ${requests} requests at concurrency ${concurrency} …`);
  for (let i = 0; i < 5; i++) await (await service.classify(photos[i % photos.length])).body?.cancel();
  const latencies: number[] = [];
  let next = 0, failed = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < requests) {
      const i = next++;
      const t = performance.now();
      const response = await service.classify(photos[i % photos.length]);
      await response.body?.cancel();
      if (!response.ok) failed++;
      latencies.push(performance.now() - t);
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    failed,
    perSecond: requests / seconds,
    p50Ms: latencies[Math.floor(latencies.length * 0.5)],
    p99Ms: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))],
    serviceRssMiB: await peakRssMiB(service.pid),
  };
}

/**
 * Cold starts of `files` as float16, int8 and float32 weights, then the float32 service under
 * load; with more than one core, again with `--workers <cores>`.
 *
 * @example
 * ```ts
 * const http = await measureHttp(files, photos, { requests: 200, concurrency: 4 }, console.error);
 * ```
 */
export async function measureHttp(
  files: CheckpointFiles,
  photos: Uint8Array[],
  options: { requests: number; concurrency: number; workers?: number },
  log: (line: string) => void,
) {
  const { requests, concurrency } = options;
  const workers = options.workers ?? navigator.hardwareConcurrency;
  const root = await Deno.makeTempDir({ prefix: "alexnet-bench-" });
  const coldStarts: Record<string, { seconds: number; weightMiB: number }> = {};
  try {
    /** Writes `variant` as the `encoding` folder, starts a service on it and records its cold start. */
    const coldStart = async (encoding: string, variant: CheckpointFiles) => {
      await writeCheckpointDir(`${root}/${encoding}`, variant);
      const service = await startInference(`${root}/${encoding}`, photos[0]);
      const mib = weightMiB(variant);
      coldStarts[encoding] = { seconds: service.coldStart, weightMiB: mib };
      log(`HTTP: cold start with ${encoding} weights (${mib.toFixed(0)} MiB) ${service.coldStart.toFixed(2)} s`);
      return service;
    };
    for (const encoding of ["float16", "int8"] as const) {
      await (await coldStart(encoding, await quantizeCheckpoint(files, encoding))).stop();
    }
    const service = await coldStart("float32", files);
    let single: LoadResult;
    try {
      single = await loadTest(service, photos, requests, concurrency, log);
    } finally {
      await service.stop();
    }
    let withWorkers = null;
    if (workers > 1) {
      const pooled = await startInference(`${root}/float32`, photos[0], ["--workers", String(workers)]);
      try {
        withWorkers = {
          workers,
          coldStartSeconds: pooled.coldStart,
          ...await loadTest(pooled, photos, requests, concurrency, log),
        };
      } finally {
        await pooled.stop();
      }
    }
    return { coldStartSeconds: service.coldStart, coldStarts, requests, concurrency, ...single, withWorkers };
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

function weightMiB(files: CheckpointFiles): number {
  return [...files].filter(([name]) => name.endsWith(".bin")).reduce((n, [, bytes]) => n + bytes.length, 0) / 2 ** 20;
}
