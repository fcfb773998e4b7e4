/**
 * `deno task serve:retrieval`: content-based image search on fc7 (or fc6/pool5) embeddings,
 * durable in JetStream, following the model version the way inference does.
 *
 * @module
 */
import { BACKEND_NAMES, describeBackendChoice, parseBackendName, selectBackend } from "../../shared/backend/mod.ts";
import {
  busIdentityFlags,
  busIdentityFrom,
  busIdentityHelp,
  CheckpointFollower,
  connectBus,
} from "../../shared/bus/mod.ts";
import { parseFlags, runCli, UsageError } from "../../shared/cli/mod.ts";
import { corsOrigins, serveUntilSignal, tokenOption } from "../../shared/http/mod.ts";
import type { EmbeddingLayer } from "../../shared/model/mod.ts";
import { describeTrust, readTrustPolicy, trustFlags } from "../../shared/checkpoint/mod.ts";
import { loadPredictor } from "../../shared/predictor/mod.ts";
import { createRetrievalApp } from "./app.ts";
import { DEFAULT_COMPACT } from "./compact/compact_index.ts";
import { ImageLibrary } from "./image_library.ts";
import { serveRetrievalOverNats } from "./nats_search.ts";
import { scatterSearch } from "./shard_search.ts";
import { parseShard } from "./shards.ts";
import { RetrievalLibrary } from "./retrieval_library.ts";

const HELP = `Serve image search by example over HTTP and NATS.

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
  --cors-origin LIST    origins allowed cross-origin access (comma-separated; default none)
  --trusted-keys LIST   public keys (JWK files, or folders of *.public.jwk) whose signed checkpoints embed images;
                        any other checkpoint is refused (or ALEXNET_TRUSTED_KEYS)
  --allow-unsigned      also use unsigned checkpoints (local experiments; a bad signature is still refused)
                        (or ALEXNET_ALLOW_UNSIGNED=1)
NATS identity (the retrieval role of deploy/nats/auth.conf):
${busIdentityHelp()}
`;

async function main(args: string[]): Promise<number> {
  const v = parseFlags({
    args,
    options: {
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
    },
  }).values;
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  if (!v.nats) throw new UsageError("--nats URL is required: the index and images are kept in JetStream");
  const port = Number(v.port), k = Number(v.k), maxMb = Number(v["max-body-mb"]), maxMp = Number(v["max-megapixels"]);
  if (!Number.isInteger(port) || port < 0) {
    throw new UsageError(`--port must be a non-negative integer, got "${v.port}"`);
  }
  if (!Number.isInteger(k) || k < 1) throw new UsageError(`--k must be a positive integer, got "${v.k}"`);
  if (!(maxMb > 0) || !(maxMp > 0)) throw new UsageError("--max-body-mb and --max-megapixels must be positive");
  if (!["fc7", "fc6", "pool5"].includes(v.layer!)) {
    throw new UsageError(`--layer must be fc7, fc6 or pool5, got "${v.layer}"`);
  }
  if (v.search !== "exact" && v.search !== "approximate" && v.search !== "compact") {
    throw new UsageError(`--search must be exact, approximate or compact, got "${v.search}"`);
  }
  const compactFrom = Number(v["compact-from"]), compactDims = Number(v["compact-dims"]);
  if (
    !Number.isInteger(compactDims) || compactDims < 2 || compactDims > 512 || !Number.isInteger(compactFrom) ||
    compactFrom < 2 * compactDims
  ) {
    throw new UsageError("--compact-dims must be an integer from 2 to 512 and --compact-from at least twice it");
  }
  const compactProbes = Number(v["compact-probes"]);
  if (!Number.isInteger(compactProbes) || compactProbes < 0) {
    throw new UsageError("--compact-probes must be a non-negative integer (0: one list in 8)");
  }
  const shard = v.shard === undefined ? undefined : parseShard(v.shard);
  const shardTimeoutMs = Number(v["shard-timeout-ms"]);
  if (!(shardTimeoutMs > 0)) throw new UsageError("--shard-timeout-ms must be a positive number");
  const backend = parseBackendName(v.backend);
  const adminToken = tokenOption(v["admin-token"], "ALEXNET_ADMIN_TOKEN", "--admin-token");
  const writeToken = tokenOption(v["write-token"], "ALEXNET_WRITE_TOKEN", "--write-token");
  const cors = corsOrigins(v["cors-origin"]);
  const { trustedKeys, allowUnsigned } = trustFlags(v["trusted-keys"], v["allow-unsigned"]);
  const trust = await readTrustPolicy(trustedKeys, allowUnsigned);
  const log = (line: string) => console.error(`[retrieval] ${line}`);
  log(describeBackendChoice(await selectBackend(backend)));
  log(describeTrust(trust));

  const nc = await connectBus(v.nats, `retrieval-${v.model}`, busIdentityFrom(v));
  const store = await ImageLibrary.open(nc);
  const library = await RetrievalLibrary.open(store, {
    shard,
    scatter: shard ? (query) => scatterSearch(nc, query, shard.count, shardTimeoutMs) : undefined,
    layer: v.layer as EmbeddingLayer,
    search: v.search,
    compact: {
      from: compactFrom,
      settings: {
        ...DEFAULT_COMPACT,
        dims: compactDims,
        probes: compactProbes,
        ...(v["compact-whiten"] ? { whiten: true, rerankOn: "reduced" as const } : {}),
      },
    },
    maxPixels: maxMp * 1e6,
    thumbnailSize: 128,
    log,
  });
  store.watchCatalog((record) => library.onCatalogRecord(record), (error) => log(`catalogue: ${error.message}`));
  log(`catalog: ${library.status().images} images${shard ? `; shard ${library.shardName}` : ""}`);
  const app = createRetrievalApp(library, {
    maxBodyBytes: Math.round(maxMb * 1024 * 1024),
    defaultK: k,
    inferenceUrl: v["inference-url"] ?? null,
    adminToken,
    writeToken,
    corsOrigins: cors,
  });
  const server = Deno.serve({
    hostname: v.hostname,
    port,
    onListen: ({ hostname, port }) => log(`listening on http://${hostname}:${port}`),
  }, app.fetch);

  const instance = (v.instance ?? `${Deno.hostname()}-${port}`).replace(/[^A-Za-z0-9_-]/g, "_");
  const follower = new CheckpointFollower(nc, {
    modelName: v.model!,
    consumerName: `retrieval-${v.model}-${v.layer}-${instance}`,
    currentVersion: () => library.activeVersion,
    adopt: async (files) => {
      const predictor = await loadPredictor(files, { trust }).catch((error) => {
        library.checkpointsRefused++;
        throw error;
      });
      await library.adopt(predictor);
    },
    log,
  });
  await follower.start();
  serveRetrievalOverNats(nc, library, k, shard ? library : undefined);

  await serveUntilSignal(server, log, async () => {
    await follower.stop();
    await nc.drain();
    library.close();
  });
  return 0;
}

if (import.meta.main) await runCli(() => main(Deno.args));
