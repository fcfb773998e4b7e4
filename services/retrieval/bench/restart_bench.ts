/**
 * The start-up part of `deno task retrieval:bench --restart`: on a scratch nats-server it writes
 * `n` catalogue records and their embeddings as the retrieval service stores them, then times
 * (1) a first start that replays the stream and builds the compact index — tuned for the recall
 * target, as the service does — and stores its snapshot, and (2) a restart, which loads the
 * snapshot — until each answers searches.
 *
 * @module
 */
import { withScratchNatsServer } from "../../../shared/nats_server/mod.ts";
import { type AddedImage, connectBus, embeddingsSubject, type NatsConnection } from "../../../shared/bus/mod.ts";
import { encodeCheckpoint } from "../../../shared/codec/mod.ts";
import { sampleManifestInfo } from "../../../shared/checkpoint/mod.ts";
import { ProgressBar } from "../../../shared/cli/mod.ts";
import { AlexNet } from "../../../shared/model/mod.ts";
import { loadPredictor } from "../../../shared/predictor/mod.ts";
import type { CompactSettings } from "../compact/compact_index.ts";
import { ImageLibrary } from "../image_library.ts";
import { RetrievalLibrary } from "../retrieval_library.ts";

/** What the restart measurement reports. */
export interface RestartTimes {
  n: number;
  /** Writing the records and embeddings (not a service figure). */
  writeS: number;
  /** First start: catalogue replay + every embedding read + compact build. */
  coldStartS: number;
  /** Restart: catalogue replay + snapshot load (+ the stream after it). */
  restartS: number;
  snapshotMiB: number;
  /** Of the restart: replaying the catalogue. */
  catalogueS: number;
}

async function predictorFiles(dimension: number) {
  if (dimension !== 4096) throw new Error("--restart needs --dimension 4096 (an AlexNet's fc7)");
  const model = AlexNet.create({ arch: "alexnet-owt", numClasses: 2, inputSize: 63, width: 1, seed: 1 });
  try {
    return await encodeCheckpoint(model, sampleManifestInfo({ name: "bench", version: "v1", classNames: ["a", "b"] }));
  } finally {
    model.dispose();
  }
}

async function writeCatalogue(nc: NatsConnection, ids: string[], vectors: Float32Array[]): Promise<void> {
  const store = await ImageLibrary.open(nc);
  const subject = embeddingsSubject("bench", "v1", "fc7");
  const bar = new ProgressBar("write", ids.length, { unit: "images" });
  const inFlight = new Set<Promise<void>>();
  for (const [i, id] of ids.entries()) {
    const record: AddedImage = {
      schema: "alexnet.images.record/v1",
      op: "add",
      id,
      sha256: i.toString(16).padStart(64, "0"),
      metadata: {},
      width: 256,
      height: 256,
      createdAt: new Date().toISOString(),
    };
    const write = (async () => {
      await store.appendVector(subject, id, vectors[i]);
      await store.appendRecord(record);
      bar.tick();
    })();
    inFlight.add(write);
    const done = () => void inFlight.delete(write);
    write.then(done, done);
    if (inFlight.size >= 256) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  bar.done();
}

/** Runs the measurement on a nats-server of its own (removed afterwards). */
export async function measureRestart(
  ids: string[],
  vectors: Float32Array[],
  settings: CompactSettings,
  targetRecall: number,
  log: (line: string) => void,
): Promise<RestartTimes> {
  const files = await predictorFiles(vectors[0].length);
  return await withScratchNatsServer(async (nats) => {
    const nc = await connectBus(nats.url, "retrieval-bench");
    try {
      let t = performance.now();
      await writeCatalogue(nc, ids, vectors);
      const writeS = (performance.now() - t) / 1000;
      const options = {
        layer: "fc7" as const,
        search: "compact" as const,
        compact: { from: 5000, settings, targetRecall },
        maxPixels: 40e6,
        thumbnailSize: 64,
        log: (line: string) => log(`  [service] ${line}`),
      };
      const start = async () => {
        const t0 = performance.now();
        const store = await ImageLibrary.open(nc);
        const library = await RetrievalLibrary.open(store, options);
        const catalogueS = (performance.now() - t0) / 1000;
        await library.adopt(await loadPredictor(files));
        await library.search({ id: ids[0] }, 10); // serves
        return { library, store, seconds: (performance.now() - t0) / 1000, catalogueS };
      };
      const cold = await start();
      log(`first start (replay + build): ${cold.seconds.toFixed(1)} s`);
      const subject = embeddingsSubject("bench", "v1", "fc7");
      t = performance.now();
      let snapshotBytes: number | null = null;
      while (snapshotBytes === null && performance.now() - t < 600_000) {
        await new Promise((r) => setTimeout(r, 500));
        snapshotBytes = await cold.store.indexSnapshotSize(subject);
      }
      if (snapshotBytes === null) throw new Error("the index snapshot was not stored within 10 minutes");
      cold.library.close();
      const warm = await start();
      warm.library.close();
      return {
        n: ids.length,
        writeS,
        coldStartS: cold.seconds,
        restartS: warm.seconds,
        snapshotMiB: snapshotBytes / 2 ** 20,
        catalogueS: warm.catalogueS,
      };
    } finally {
      await nc.close();
    }
  });
}
