/**
 * The command line of the load tools (`deno task load:classify`, `deno task load:search`): the
 * photos to send and the flags, then {@linkcode runLoad}, its line and JSON; exit 1 unless the
 * run was clean.
 *
 * @module
 */
import { parseFlags } from "../cli/parse_flags.ts";
import { UsageError } from "../cli/usage_error.ts";
import { formatLoad, runLoad } from "./http_load.ts";

/**
 * @example
 * ```ts
 * await runCli(() => runLoadCli(Deno.args, { task: "load:classify", url: "http://127.0.0.1:8080/v1/classify", what: "classify" }));
 * ```
 */
export async function runLoadCli(
  args: string[],
  tool: { task: string; url: string; what: string },
): Promise<number> {
  const { values, positionals } = parseFlags({
    args,
    allowPositionals: true,
    options: {
      url: { type: "string", default: tool.url },
      requests: { type: "string", default: "200" },
      concurrency: { type: "string", default: "1" },
      warmup: { type: "string", default: "5" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(
      `Load ${new URL(tool.url).pathname} with photos.\n\nUsage: deno task ${tool.task} [--url ${tool.url}] ` +
        "[--requests 200] [--concurrency 1] [--warmup 5] IMAGE…\n\nPrints req/s, p50/p90/p99, statuses and the " +
        "service's RSS before and after; exit 1 if an answer was an error other than 503 with Retry-After.",
    );
    return 0;
  }
  const total = Number(values.requests), concurrency = Number(values.concurrency), warmup = Number(values.warmup);
  if (![total, concurrency].every((n) => Number.isInteger(n) && n > 0) || !(Number.isInteger(warmup) && warmup >= 0)) {
    throw new UsageError("--requests and --concurrency must be positive integers, --warmup non-negative");
  }
  if (positionals.length === 0) throw new UsageError("give one or more IMAGE files to send");
  const bodies = await Promise.all(positionals.map((p) =>
    Deno.readFile(p).catch(() => {
      throw new UsageError(`cannot read ${p}`);
    })
  ));
  const result = await runLoad({
    url: values.url!,
    bodies,
    contentType: "application/octet-stream",
    total,
    concurrency,
    warmup,
    label: tool.what,
  });
  console.log(formatLoad(result));
  console.log(JSON.stringify(result));
  return result.ok ? 0 : 1;
}
