/**
 * The process's own gauges on a service's `/metrics`: `process_resident_memory_bytes` (the name
 * Prometheus' client libraries use) and the V8 heap, read at each scrape.
 *
 * @module
 */
import { Gauge, type Registry } from "prom-client";

/**
 * @example
 * ```ts
 * registerProcessMetrics(registry);
 * ```
 */
export function registerProcessMetrics(registry: Registry): void {
  new Gauge({
    name: "process_resident_memory_bytes",
    help: "Resident memory size in bytes",
    registers: [registry],
    collect() {
      this.set(Deno.memoryUsage().rss);
    },
  });
  new Gauge({
    name: "alexnet_heap_used_bytes",
    help: "V8 heap in use, in bytes",
    registers: [registry],
    collect() {
      this.set(Deno.memoryUsage().heapUsed);
    },
  });
}
