/**
 * Web Worker of `deno task retrieval:bench --shards S`: one shard, on a thread of its own. It
 * keeps the rows the bench sends it (as float16, half of float32's memory), builds its compact
 * index when told, and then answers `alexnet.retrieval.shard.search` on the bench's nats-server
 * through {@linkcode shardSearchEndpoint} — what a `serve:retrieval --shard I/N` process does once
 * its index is built — until the bench terminates it.
 *
 * @module
 */
import { describeBackendChoice, parseBackendName, selectBackend } from "../../../shared/backend/mod.ts";
import {
  connectBus,
  RETRIEVAL_QUEUE_GROUP,
  RETRIEVAL_SERVICE,
  SERVICES_VERSION,
  startMicroService,
} from "../../../shared/bus/mod.ts";
import { CompactIndex, type CompactSettings, describeCompact } from "../compact/compact_index.ts";
import { shardSearchEndpoint } from "../shard_search.ts";

/** What the bench asks of a shard worker; each request is answered once, in order. */
export type ShardWorkerRequest =
  | { type: "init"; backend: string }
  | { type: "rows"; ids: string[]; data: Float32Array; dimension: number }
  | { type: "build"; settings: CompactSettings }
  | { type: "serve"; url: string; shard: string; version: string };

/** A shard worker's answers. */
export type ShardWorkerReply =
  | { type: "ok"; detail?: string }
  | { type: "built"; seconds: number; size: number; description: string }
  | { type: "error"; message: string };

const scope = globalThis as unknown as {
  postMessage(message: ShardWorkerReply): void;
  onmessage: ((event: MessageEvent<ShardWorkerRequest>) => void) | null;
};

let ids: string[] = [];
let rows: Float16Array[] = [];
let index: CompactIndex | null = null;

async function handle(request: ShardWorkerRequest): Promise<ShardWorkerReply> {
  switch (request.type) {
    case "init":
      return { type: "ok", detail: describeBackendChoice(await selectBackend(parseBackendName(request.backend))) };
    case "rows": {
      const { data, dimension } = request, half = new Float16Array(data.length);
      half.set(data);
      for (let i = 0; i < request.ids.length; i++) rows.push(half.subarray(i * dimension, (i + 1) * dimension));
      ids.push(...request.ids);
      return { type: "ok" };
    }
    case "build": {
      const t = performance.now();
      index = await CompactIndex.build(ids, rows, request.settings);
      [ids, rows] = [[], []]; // the index holds its own float16 copy
      return {
        type: "built",
        seconds: (performance.now() - t) / 1000,
        size: index.size,
        description: describeCompact(index.settings),
      };
    }
    case "serve": {
      const built = index;
      if (!built) throw new Error("serve before build");
      const nc = await connectBus(request.url, `retrieval-bench-shard-${request.shard}`);
      const part = shardSearchEndpoint({
        shardName: request.shard,
        searchPart: (vector, k, exclude, version) => {
          if (version !== request.version) throw new Error(`this shard holds version ${request.version}`);
          return Promise.resolve(built.search(vector, k, exclude));
        },
      });
      startMicroService(nc, {
        name: RETRIEVAL_SERVICE,
        version: SERVICES_VERSION,
        description: "a retrieval bench shard",
        queue: RETRIEVAL_QUEUE_GROUP,
        endpoints: [part],
      });
      await nc.flush();
      return { type: "ok" };
    }
  }
}

let queue = Promise.resolve();
scope.onmessage = (event) => {
  queue = queue.then(async () => {
    try {
      scope.postMessage(await handle(event.data));
    } catch (error) {
      scope.postMessage({ type: "error", message: (error as Error).stack ?? String(error) });
    }
  });
};
// Messages that arrive while this module (and the compiled SIMD kernels it awaits) still loads are not
// delivered, so the bench waits for this before asking anything.
scope.postMessage({ type: "ok", detail: "loaded" });
