/**
 * Classify and search as NATS micro services, seen from outside: the inference and retrieval
 * services run as real processes following a real nats-server, and nats.js's own services
 * client (`@nats-io/services`, what `nats micro ls|info|stats` does) discovers both, reads their
 * endpoints, and sees their request and error counts and processing time move as classify and
 * search requests — good and bad — go over NATS.
 */
import assert from "node:assert/strict";
import { encode as encodePng } from "fast-png";
import { Svcm } from "@nats-io/services";
import {
  bytesToBase64,
  connectBus,
  INFERENCE_CLASSIFY,
  INFERENCE_SERVICE,
  RETRIEVAL_SEARCH,
  RETRIEVAL_SERVICE,
  SERVICES_VERSION,
} from "../shared/bus/mod.ts";
import { generateShapeImage } from "../shared/image/mod.ts";
import { SeededRandom } from "../shared/random/mod.ts";
import { startServiceStack } from "./fixtures/service_stack.ts";

interface Counts {
  num_requests: number;
  num_errors: number;
  processing_time: number;
  last_error: string;
}

const collect = async <T>(iterable: Promise<AsyncIterable<T>>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of await iterable) out.push(item);
  return out;
};

Deno.test("nats micro: inference and retrieval are discovered, and their stats move with requests and errors", async () => {
  const stack = await startServiceStack();
  const nc = await connectBus(stack.natsUrl, "micro-observer");
  try {
    // The package is typed against its own pre-release nats-core; the connection is the same at run time.
    const client = new Svcm(nc as unknown as ConstructorParameters<typeof Svcm>[0]).client({
      strategy: "stall",
      maxWait: 2000,
    });
    const pings = await collect(client.ping());
    assert.deepEqual(pings.map((p) => p.name).sort(), [INFERENCE_SERVICE, RETRIEVAL_SERVICE]);
    assert.ok(pings.every((p) => p.version === SERVICES_VERSION));
    const infos = await collect(client.info());
    const endpoints = (name: string) =>
      infos.find((i) => i.name === name)!.endpoints.map((e) => `${e.name} ${e.subject} ${e.queue_group}`);
    assert.deepEqual(endpoints(INFERENCE_SERVICE), [`classify ${INFERENCE_CLASSIFY} alexnet-inference`]);
    assert.deepEqual(endpoints(RETRIEVAL_SERVICE), [`search ${RETRIEVAL_SEARCH} alexnet-retrieval`]);

    const counts = async (name: string): Promise<Counts> => {
      const [stats] = await collect(client.stats(name));
      return stats.endpoints![0] as unknown as Counts;
    };
    assert.deepEqual(
      [(await counts(INFERENCE_SERVICE)).num_requests, (await counts(RETRIEVAL_SERVICE)).num_requests],
      [0, 0],
    );

    const png = encodePng({ ...generateShapeImage(1, 70, new SeededRandom(4)), channels: 3, depth: 8 });
    const image = bytesToBase64(png);
    const ask = (subject: string, body: unknown) => nc.request(subject, JSON.stringify(body), { timeout: 30_000 });
    for (let i = 0; i < 3; i++) {
      const reply = await ask(INFERENCE_CLASSIFY, { schema: "alexnet.inference.classify/v1", image });
      assert.equal(reply.json<{ model: { name: string } }>().model.name, "stack");
    }
    const notAnImage = await ask(INFERENCE_CLASSIFY, { schema: "alexnet.inference.classify/v1", image: btoa("text") });
    assert.equal(notAnImage.headers?.get("Nats-Service-Error-Code"), "415");
    await ask(INFERENCE_CLASSIFY, { image: 42 });
    for (let i = 0; i < 2; i++) {
      const reply = await ask(RETRIEVAL_SEARCH, { schema: "alexnet.retrieval.search/v1", image, k: 3 });
      assert.ok(Array.isArray(reply.json<{ results: unknown[] }>().results), reply.string());
    }
    const malformed = await ask(RETRIEVAL_SEARCH, { schema: "alexnet.retrieval.search/v1", k: "three" });
    assert.equal(malformed.headers?.get("Nats-Service-Error-Code"), "400");

    const classify = await counts(INFERENCE_SERVICE);
    assert.deepEqual([classify.num_requests, classify.num_errors], [5, 2]);
    assert.match(classify.last_error, /^400:/, "the last error was the malformed request");
    assert.ok(classify.processing_time > 0);
    const search = await counts(RETRIEVAL_SERVICE);
    assert.deepEqual([search.num_requests, search.num_errors], [3, 1]);
    assert.ok(search.processing_time > 0);
  } finally {
    await nc.close();
    await stack.stop();
  }
});
