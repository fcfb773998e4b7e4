/**
 * The process's own gauges on a service's `/metrics`: `process_resident_memory_bytes` (the name
 * Prometheus' client libraries use) and the V8 heap, read at each scrape. Given as gauge
 * settings for the caller's prom-client, so that importing this folder does not load
 * prom-client (the edge function imports it and has no `/metrics`).
 *
 * @module
 */
import type { Gauge, GaugeConfiguration } from "prom-client";

/**
 * @example
 * ```ts
 * for (const settings of processGauges()) new Gauge({ ...settings, registers: [registry] });
 * ```
 */
export function processGauges(): GaugeConfiguration<string>[] {
  const gauge = (name: string, help: string, read: () => number): GaugeConfiguration<string> => ({
    name,
    help,
    collect(this: Gauge) {
      this.set(read());
    },
  });
  return [
    gauge("process_resident_memory_bytes", "Resident memory size in bytes", () => Deno.memoryUsage().rss),
    gauge("alexnet_heap_used_bytes", "V8 heap in use, in bytes", () => Deno.memoryUsage().heapUsed),
  ];
}
