/**
 * `deno task load:classify`: a bounded load on `POST /v1/classify` — N requests with at most
 * C in flight — printing progress, then requests/s, latency p50/p90/p99, the statuses, and the
 * service's resident memory before and after; exit 1 if any answer was an error other than a
 * 503 with `Retry-After`, or a connection dropped.
 *
 * @module
 */
import { runCli } from "../../shared/cli/mod.ts";
import { runLoadCli } from "../../shared/http/mod.ts";

if (import.meta.main) {
  await runCli(() =>
    runLoadCli(Deno.args, { task: "load:classify", url: "http://127.0.0.1:8080/v1/classify", what: "classify" })
  );
}
