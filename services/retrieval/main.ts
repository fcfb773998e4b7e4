/**
 * `deno task serve:retrieval`: content-based image search on fc7 (or fc6/pool5) embeddings,
 * durable in JetStream, following the model version the way inference does. Flags:
 * `retrieval_args.ts`.
 *
 * @module
 */
import { describeBackendChoice, selectBackend } from "../../shared/backend/mod.ts";
import { CheckpointFollower, connectBus, type NatsConnection } from "../../shared/bus/mod.ts";
import { describeTrust, readTrustPolicy, type TrustPolicy } from "../../shared/checkpoint/mod.ts";
import { runCli } from "../../shared/cli/mod.ts";
import { serveUntilSignal } from "../../shared/http/mod.ts";
import { loadPredictor } from "../../shared/predictor/mod.ts";
import { createRetrievalApp } from "./app.ts";
import { ImageLibrary } from "./image_library.ts";
import { serveRetrievalOverNats } from "./nats_search.ts";
import { parseRetrievalArgs, RETRIEVAL_HELP, type RetrievalConfig } from "./retrieval_args.ts";
import { RetrievalLibrary } from "./retrieval_library.ts";
import { scatterSearch } from "./shard_search.ts";

const log = (line: string) => console.error(`[retrieval] ${line}`);

/** The catalogue and its index, following every replica's catalogue changes live. */
async function openLibrary(nc: NatsConnection, config: RetrievalConfig): Promise<RetrievalLibrary> {
  const { shard } = config;
  const store = await ImageLibrary.open(nc);
  const library = await RetrievalLibrary.open(store, {
    shard,
    scatter: shard ? (query) => scatterSearch(nc, query, shard.count, config.shardTimeoutMs) : undefined,
    layer: config.layer,
    search: config.search,
    compact: config.compact,
    maxPixels: config.maxPixels,
    thumbnailSize: 128,
    log,
  });
  store.watchCatalog((record) => library.onCatalogRecord(record), (error) => log(`catalogue: ${error.message}`));
  log(`catalog: ${library.status().images} images${shard ? `; shard ${library.shardName}` : ""}`);
  return library;
}

/** Follows the model name's checkpoints: each trusted new version re-embeds the catalogue. */
function followModel(nc: NatsConnection, config: RetrievalConfig, library: RetrievalLibrary, trust: TrustPolicy) {
  return new CheckpointFollower(nc, {
    modelName: config.model,
    consumerName: `retrieval-${config.model}-${config.layer}-${config.instance}`,
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
}

async function main(args: string[]): Promise<number> {
  const config = parseRetrievalArgs(args);
  if (config === "help") {
    console.log(RETRIEVAL_HELP);
    return 0;
  }
  const trust = await readTrustPolicy(config.trustedKeys, config.allowUnsigned);
  log(describeBackendChoice(await selectBackend(config.backend)));
  log(describeTrust(trust));
  const nc = await connectBus(config.nats, `retrieval-${config.model}`, config.natsIdentity);
  const library = await openLibrary(nc, config);
  const app = createRetrievalApp(library, {
    maxBodyBytes: config.maxBodyBytes,
    defaultK: config.k,
    inferenceUrl: config.inferenceUrl,
    adminToken: config.adminToken,
    writeToken: config.writeToken,
    corsOrigins: config.corsOrigins,
  });
  const server = Deno.serve({
    hostname: config.hostname,
    port: config.port,
    onListen: ({ hostname, port }) => log(`listening on http://${hostname}:${port}`),
  }, app.fetch);
  const follower = followModel(nc, config, library, trust);
  await follower.start();
  serveRetrievalOverNats(nc, library, config.k, config.shard ? library : undefined);
  await serveUntilSignal(server, log, async () => {
    await follower.stop();
    await nc.drain();
    library.close();
  });
  return 0;
}

if (import.meta.main) await runCli(() => main(Deno.args));
