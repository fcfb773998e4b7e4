/**
 * `deno task load:search`: a bounded load on `POST /v1/search` (each photo a query) — N
 * requests with at most C in flight — printing progress, then requests/s, latency p50/p90/p99,
 * the statuses, and the service's resident memory before and after; exit 1 if any answer was an
 * error other than a 503 with `Retry-After`, or a connection dropped.
 *
 * @module
 */
import { runCli } from "../../shared/cli/mod.ts";
import { runLoadCli } from "../../shared/http/mod.ts";

if (import.meta.main) {
  await runCli(() =>
    runLoadCli(Deno.args, { task: "load:search", url: "http://127.0.0.1:8081/v1/search?k=10", what: "search" })
  );
}
