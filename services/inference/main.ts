/**
 * `deno task serve:inference`: parses flags, picks the backend, loads the model (from a
 * folder, or from NATS following checkpoints and the KV pin), answers HTTP and NATS.
 *
 * @module
 */
import {
  type BusIdentity,
  busIdentityFlags,
  busIdentityFrom,
  busIdentityHelp,
  CheckpointFollower,
  connectBus,
  listCheckpointVersions,
  type NatsConnection,
} from "../../shared/bus/mod.ts";
import {
  asCheckpointUsageError,
  describeTrust,
  folderSource,
  readTrustPolicy,
  trustFlags,
  trustFlagsHelp,
  type TrustPolicy,
} from "../../shared/checkpoint/mod.ts";
import { numberFlag, type NumberFlagRule, parseFlags, runCli, UsageError } from "../../shared/cli/mod.ts";
import {
  BACKEND_NAMES,
  type BackendName,
  describeBackendChoice,
  parseBackendName,
  selectInferenceBackend,
} from "../../shared/predictor/mod.ts";
import { CORS_FLAG_HELP, corsOrigins, serveUntilSignal, tokenOption, WorkQueue } from "../../shared/http/mod.ts";
import { createInferenceApp, DEFAULT_LIMITS } from "./app.ts";
import { InferenceEngine } from "./inference_engine.ts";
import { createInferenceMetrics } from "./inference_metrics.ts";
import { serveInferenceOverNats } from "./nats_classify.ts";
import { natsModelRegistry } from "./nats_model_registry.ts";
import { TrainingRelay } from "./training_relay.ts";

const HELP = `Serve AlexNet classification over HTTP (and NATS).

Usage: deno task serve:inference (--checkpoint DIR | --nats URL --model NAME) [options]

  --port N              HTTP port (default 8080; 0 picks a free one)
  --hostname H          (default 0.0.0.0)
  --checkpoint DIR      serve this checkpoint folder, no NATS
  --nats URL            follow checkpoints published on NATS and answer alexnet.inference.classify
  --model NAME          model name to serve from NATS (default alexnet)
  --instance ID         durable consumer suffix, one per replica (default: HOSTNAME-PORT)
  --backend NAME        ${BACKEND_NAMES.join(" | ")} (default auto)
  --topk N              default top-k (default 5)
  --max-body-mb N       request body limit (default 20)
  --max-megapixels N    image size limit, from the header (default 40)
  --max-queued N        waiting requests before 503 (default 64)
  --workers N           run each batch on N Web Workers, one WASM instance (core) each (default 1)
  --max-batch N         micro-batching: most images in one forward pass (default 8; 1 turns it off)
  --batch-wait-ms N     longest a request waits for others to batch with (default 5)
  --retrieval-url URL   where the retrieval service's search page is (for the web UI's navigation)
  --admin-token T       Bearer token for promote and rollback (or ALEXNET_ADMIN_TOKEN; ≥ 16 characters);
                        without one those endpoints are refused
${CORS_FLAG_HELP}
${trustFlagsHelp("are served")}
NATS identity (the inference role of deploy/nats/auth.conf):
${busIdentityHelp()}
A second, admin identity for promote and rollback only (without one they change pins as the identity above):
${busIdentityHelp("admin-nats", "admin")}
  --help
`;

interface InferenceConfig {
  port: number;
  hostname: string;
  checkpoint: string | null;
  nats: string | null;
  model: string;
  instance: string;
  backend: BackendName;
  topk: number;
  maxBodyBytes: number;
  maxPixels: number;
  maxQueued: number;
  retrievalUrl: string | null;
  maxBatch: number;
  batchWaitMs: number;
  workers: number;
  adminToken: string | null;
  corsOrigins: string[];
  trustedKeys: string[];
  allowUnsigned: boolean;
  natsIdentity: BusIdentity | undefined;
  adminNatsIdentity: BusIdentity | undefined;
}

/** A numeric flag's value, or `fallback` when it is not given. */
function orDefault(flag: string, value: string | undefined, fallback: number, rule: NumberFlagRule = {}): number {
  return value === undefined ? fallback : numberFlag(flag, value, rule);
}

/** Parses flags into the service's config. */
export function parseInferenceArgs(args: string[]): InferenceConfig | "help" {
  const v = parseFlags({
    args,
    options: {
      port: { type: "string" },
      hostname: { type: "string" },
      checkpoint: { type: "string" },
      nats: { type: "string" },
      model: { type: "string" },
      instance: { type: "string" },
      backend: { type: "string" },
      topk: { type: "string" },
      "max-body-mb": { type: "string" },
      "max-megapixels": { type: "string" },
      "max-queued": { type: "string" },
      "retrieval-url": { type: "string" },
      "max-batch": { type: "string" },
      "batch-wait-ms": { type: "string" },
      workers: { type: "string" },
      "admin-token": { type: "string" },
      "cors-origin": { type: "string" },
      "trusted-keys": { type: "string" },
      "allow-unsigned": { type: "boolean" },
      ...busIdentityFlags(),
      ...busIdentityFlags("admin-nats"),
      help: { type: "boolean" },
    },
  }).values;
  if (v.help) return "help";
  if (!v.checkpoint && !v.nats) throw new UsageError("give --checkpoint DIR, or --nats URL (with --model NAME)");
  const backend = parseBackendName(v.backend);
  const port = orDefault("port", v.port, 8080);
  return {
    port,
    hostname: v.hostname ?? "0.0.0.0",
    checkpoint: v.checkpoint ?? null,
    nats: v.nats ?? null,
    model: v.model ?? "alexnet",
    // Every replica needs its own durable consumer to see every checkpoint event.
    instance: (v.instance ?? `${Deno.hostname()}-${port}`).replace(/[^A-Za-z0-9_-]/g, "_"),
    backend,
    topk: orDefault("topk", v.topk, DEFAULT_LIMITS.defaultTopk, { min: 1 }),
    maxBodyBytes: Math.round(orDefault("max-body-mb", v["max-body-mb"], 20, { integer: false }) * 1024 * 1024),
    maxPixels: Math.round(orDefault("max-megapixels", v["max-megapixels"], 40, { integer: false }) * 1e6),
    maxQueued: orDefault("max-queued", v["max-queued"], 64),
    retrievalUrl: v["retrieval-url"] ?? null,
    maxBatch: orDefault("max-batch", v["max-batch"], 8, { min: 1 }),
    batchWaitMs: orDefault("batch-wait-ms", v["batch-wait-ms"], 5, { integer: false }),
    workers: orDefault("workers", v.workers, 1, { min: 1 }),
    adminToken: tokenOption(v["admin-token"], "ALEXNET_ADMIN_TOKEN", "--admin-token"),
    corsOrigins: corsOrigins(v["cors-origin"]),
    ...trustFlags(v["trusted-keys"], v["allow-unsigned"]),
    natsIdentity: busIdentityFrom(v),
    adminNatsIdentity: busIdentityFrom(v, "admin-nats"),
  };
}

const log = (line: string) => console.error(`[inference] ${line}`);

/** The engine: micro-batched, on `workers` WASM instances, serving only checkpoints `trust` accepts. */
function createEngine(config: InferenceConfig, trust: TrustPolicy): InferenceEngine {
  return new InferenceEngine({
    // Up to a batch of requests may be decoded and waiting for the network at once.
    queue: new WorkQueue({ concurrency: config.maxBatch, maxQueued: config.maxQueued }),
    maxPixels: config.maxPixels,
    metrics: createInferenceMetrics(),
    predictor: {
      workers: config.workers,
      batching: { maxBatch: config.maxBatch, maxWaitMs: config.batchWaitMs },
      trust,
    },
  });
}

/** Loads the model: a folder once, or the model name's checkpoints over NATS, followed (returned). */
async function loadModel(
  config: InferenceConfig,
  engine: InferenceEngine,
  nc: NatsConnection | null,
): Promise<CheckpointFollower | null> {
  if (config.checkpoint) {
    const dir = config.checkpoint;
    const predictor = await engine.adopt(folderSource(dir)).catch((error) => {
      throw asCheckpointUsageError(dir, error);
    });
    log(`serving ${predictor.name}@${predictor.version} from ${config.checkpoint}`);
    return null;
  }
  if (!nc) return null;
  const follower = new CheckpointFollower(nc, {
    modelName: config.model,
    consumerName: `inference-${config.model}-${config.instance}`,
    currentVersion: () => engine.currentVersion(),
    adopt: async (files) => void await engine.adopt(files),
    log,
  });
  await follower.start();
  return follower;
}

async function main(args: string[]): Promise<number> {
  const config = parseInferenceArgs(args);
  if (config === "help") {
    console.log(HELP);
    return 0;
  }
  log(describeBackendChoice(await selectInferenceBackend(config.backend)));
  const trust = await readTrustPolicy(config.trustedKeys, config.allowUnsigned);
  log(describeTrust(trust));
  const engine = createEngine(config, trust);
  const client = `inference-${config.model}-${config.instance}`;
  const nc = config.nats ? await connectBus(config.nats, client, config.natsIdentity) : null;
  const adminNc = config.nats && config.adminNatsIdentity
    ? await connectBus(config.nats, `${client}-admin`, config.adminNatsIdentity)
    : undefined;
  const follower = await loadModel(config, engine, nc);
  if (nc) serveInferenceOverNats(nc, engine, config.topk);
  const training = nc ? new TrainingRelay(nc) : undefined;
  const app = createInferenceApp({
    engine,
    limits: { maxBodyBytes: config.maxBodyBytes, defaultTopk: config.topk },
    listVersions: nc ? () => listCheckpointVersions(nc, config.model) : undefined,
    registry: nc && !config.checkpoint ? await natsModelRegistry(nc, config.model, adminNc) : undefined,
    training,
    retrievalUrl: config.retrievalUrl,
    adminToken: config.adminToken,
    corsOrigins: config.corsOrigins,
  });
  if (!config.adminToken) log("no admin token: promote and rollback over HTTP are off (--admin-token to enable)");
  const server = Deno.serve({
    hostname: config.hostname,
    port: config.port,
    onListen: ({ hostname, port }) => log(`listening on http://${hostname}:${port}`),
  }, app.fetch);
  await serveUntilSignal(server, log, async () => {
    training?.close();
    await follower?.stop();
    await nc?.drain();
    await adminNc?.drain();
    engine.slot.close();
  });
  return 0;
}

if (import.meta.main) await runCli(() => main(Deno.args));
