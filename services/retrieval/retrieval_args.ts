/**
 * `serve:retrieval`'s flags, parsed and checked into a typed config (every bad value is a one-line
 * usage error, exit 2), and its `--help`.
 *
 * @module
 */
import { BACKEND_NAMES, type BackendName, parseBackendName } from "../../shared/backend/mod.ts";
import { type BusIdentity, busIdentityFlags, busIdentityFrom, busIdentityHelp } from "../../shared/bus/mod.ts";
import { trustFlags, trustFlagsHelp } from "../../shared/checkpoint/mod.ts";
import { numberFlag, parseFlags, UsageError } from "../../shared/cli/mod.ts";
import { CORS_FLAG_HELP, corsOrigins, tokenOption } from "../../shared/http/mod.ts";
import type { EmbeddingLayer } from "../../shared/model/mod.ts";
import { DEFAULT_COMPACT } from "./compact/compact_index.ts";
import type { CompactOptions, SearchMode } from "./retrieval_library.ts";
import { parseShard, type ShardSpec } from "./shards.ts";

export const RETRIEVAL_HELP = `Serve image search by example over HTTP and NATS.

Usage: deno task serve:retrieval --nats URL [--model NAME] [options]

  --port N              HTTP port (default 8081; 0 picks a free one)
  --hostname H          (default 0.0.0.0)
  --nats URL            NATS with JetStream (required: the index lives there)
  --model NAME          model name whose checkpoints embed the images (default alexnet)
  --layer fc7|fc6|pool5 embedding layer (default fc7)
  --search MODE         exact (default): cosine over every vector; approximate: HNSW via hnswlib-wasm;
                        compact: PCA-reduced int8 inverted file re-ranked on the full vectors, for large
                        catalogues (see the README's "Retrieval at scale")
  --compact-from N      compact mode: catalogues smaller than N are searched exactly (default 5000)
  --compact-dims N      compact mode: dimensions kept by the PCA (default 256, at most 512)
  --compact-probes N    compact mode: inverted lists scanned per search (default 0: one in 8)
  --compact-whiten      compact mode: whiten the reduction and re-rank on reduced vectors
  --target-recall R     compact mode: tune each build for recall@10 ≥ R against exact search, measured on images
                        held out of the fit — probes and re-rank depth first, then one rebuild with twice the
                        dimensions (≤ 512); says what it chose (default 0.95; 0: the settings as given)
  --shard I/N           index only the images whose id hashes to shard I of N; searches ask all N shards
                        over NATS and merge (answers are marked partial when a shard does not answer)
  --shard-timeout-ms N  how long a search waits for the other shards (default 2000)
  --instance ID         durable consumer suffix, one per replica (default HOSTNAME-PORT)
  --backend NAME        ${BACKEND_NAMES.join(" | ")} (default auto)
  --k N                 default number of results (default 10)
  --max-body-mb N       (default 20)      --max-megapixels N   (default 40)
  --inference-url URL   where the inference service's pages are (for the web UI's navigation)
  --admin-token T       Bearer token for deleting images (or ALEXNET_ADMIN_TOKEN); without one deletes are refused
  --write-token T       Bearer token for adding images (or ALEXNET_WRITE_TOKEN); without one adding is open
${CORS_FLAG_HELP}
${trustFlagsHelp("embed images")}
NATS identity (the retrieval role of deploy/nats/auth.conf):
${busIdentityHelp()}
`;

/** Everything `serve:retrieval` is told. */
export interface RetrievalConfig {
  port: number;
  hostname: string;
  nats: string;
  model: string;
  layer: EmbeddingLayer;
  search: SearchMode;
  compact: CompactOptions;
  shard: ShardSpec | undefined;
  shardTimeoutMs: number;
  /** This replica's durable consumer suffix. */
  instance: string;
  backend: BackendName;
  k: number;
  maxBodyBytes: number;
  maxPixels: number;
  inferenceUrl: string | null;
  adminToken: string | null;
  writeToken: string | null;
  corsOrigins: string[];
  trustedKeys: string[];
  allowUnsigned: boolean;
  natsIdentity: BusIdentity | undefined;
}

const OPTIONS = {
  port: { type: "string", default: "8081" },
  hostname: { type: "string", default: "0.0.0.0" },
  nats: { type: "string" },
  model: { type: "string", default: "alexnet" },
  layer: { type: "string", default: "fc7" },
  search: { type: "string", default: "exact" },
  "compact-from": { type: "string", default: "5000" },
  "compact-dims": { type: "string", default: "256" },
  "compact-probes": { type: "string", default: "0" },
  "compact-whiten": { type: "boolean" },
  "target-recall": { type: "string", default: "0.95" },
  shard: { type: "string" },
  "shard-timeout-ms": { type: "string", default: "2000" },
  instance: { type: "string" },
  backend: { type: "string", default: "auto" },
  k: { type: "string", default: "10" },
  "max-body-mb": { type: "string", default: "20" },
  "max-megapixels": { type: "string", default: "40" },
  "inference-url": { type: "string" },
  "admin-token": { type: "string" },
  "write-token": { type: "string" },
  "cors-origin": { type: "string" },
  "trusted-keys": { type: "string" },
  "allow-unsigned": { type: "boolean" },
  ...busIdentityFlags(),
  help: { type: "boolean" },
} as const;

type Values = ReturnType<typeof parseFlags<{ args: string[]; options: typeof OPTIONS }>>["values"];

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new UsageError(`--${flag} must be ${allowed.slice(0, -1).join(", ")} or ${allowed.at(-1)}, got "${value}"`);
  }
  return value as T;
}

/** The compact index's settings from its flags. */
function compactOptions(v: Values): CompactOptions {
  const dims = numberFlag("compact-dims", v["compact-dims"], { min: 2, max: 512 });
  const from = numberFlag("compact-from", v["compact-from"], { min: 2 });
  if (from < 2 * dims) throw new UsageError(`--compact-from at least twice --compact-dims (${dims}), got ${from}`);
  const probes = numberFlag("compact-probes", v["compact-probes"], { note: "0: one list in 8" });
  const targetRecall = numberFlag("target-recall", v["target-recall"], { max: 1, integer: false, note: "0: off" });
  return {
    from,
    targetRecall,
    settings: {
      ...DEFAULT_COMPACT,
      dims,
      probes,
      ...(v["compact-whiten"] ? { whiten: true, rerankOn: "reduced" as const } : {}),
    },
  };
}

/**
 * @example
 * ```ts
 * const config = parseRetrievalArgs(["--nats", "nats://127.0.0.1:4222", "--search", "compact"]);
 * ```
 */
export function parseRetrievalArgs(args: string[]): RetrievalConfig | "help" {
  const v = parseFlags({ args, options: OPTIONS }).values;
  if (v.help) return "help";
  if (!v.nats) throw new UsageError("--nats URL is required: the index and images are kept in JetStream");
  const port = numberFlag("port", v.port);
  const { trustedKeys, allowUnsigned } = trustFlags(v["trusted-keys"], v["allow-unsigned"]);
  return {
    port,
    hostname: v.hostname,
    nats: v.nats,
    model: v.model,
    layer: oneOf("layer", v.layer, ["fc7", "fc6", "pool5"] as const),
    search: oneOf("search", v.search, ["exact", "approximate", "compact"] as const),
    compact: compactOptions(v),
    shard: v.shard === undefined ? undefined : parseShard(v.shard),
    shardTimeoutMs: numberFlag("shard-timeout-ms", v["shard-timeout-ms"], { min: 1, integer: false }),
    instance: (v.instance ?? `${Deno.hostname()}-${port}`).replace(/[^A-Za-z0-9_-]/g, "_"),
    backend: parseBackendName(v.backend),
    k: numberFlag("k", v.k, { min: 1 }),
    maxBodyBytes: Math.round(numberFlag("max-body-mb", v["max-body-mb"], { min: 0.001, integer: false }) * 2 ** 20),
    maxPixels: Math.round(numberFlag("max-megapixels", v["max-megapixels"], { min: 0.001, integer: false }) * 1e6),
    inferenceUrl: v["inference-url"] ?? null,
    adminToken: tokenOption(v["admin-token"], "ALEXNET_ADMIN_TOKEN", "--admin-token"),
    writeToken: tokenOption(v["write-token"], "ALEXNET_WRITE_TOKEN", "--write-token"),
    corsOrigins: corsOrigins(v["cors-origin"]),
    trustedKeys,
    allowUnsigned,
    natsIdentity: busIdentityFrom(v),
  };
}
