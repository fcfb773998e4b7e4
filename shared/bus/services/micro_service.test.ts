import assert from "node:assert/strict";
import { Svcm } from "@nats-io/services";
import { z } from "zod";
import { NatsServerProcess } from "../../nats_server/mod.ts";
import { connectBus } from "../core/connect_bus.ts";
import { endpoint, type EndpointStats, type MicroService, startMicroService } from "./micro_service.ts";

const Echo = z.object({ text: z.string(), delayMs: z.number().int().min(0).max(1000) });

class Refused extends Error {}

/** A toy service whose answer waits `delayMs` before replying, or refuses "no". */
function echoService(nc: Parameters<typeof startMicroService>[0]): MicroService {
  return startMicroService(nc, {
    name: "echo-test",
    version: "1.2.3",
    description: "echoes text after a delay",
    queue: "echo-q",
    endpoints: [
      endpoint({
        name: "echo",
        subject: "test.echo",
        schema: Echo,
        answer: async ({ text, delayMs }) => {
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          if (text === "no") throw new Refused("refused on purpose");
          return { text };
        },
        describeError: (error) =>
          error instanceof Refused ? { status: 409, code: "refused" } : { status: 500, code: "x" },
      }),
      endpoint({
        name: "everyone",
        subject: "test.everyone",
        queue: null,
        schema: z.object({}),
        answer: () => Promise.resolve({ ok: true }),
        describeError: () => ({ status: 500, code: "internal" }),
      }),
    ],
  });
}

const collect = async <T>(iterable: Promise<AsyncIterable<T>>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of await iterable) out.push(item);
  return out;
};

Deno.test("micro service: nats.js's services client discovers it and sees requests, errors and async time counted", async () => {
  const nats = await NatsServerProcess.start();
  const nc = await connectBus(nats.url, "micro-test");
  const instances = [echoService(nc), echoService(nc)];
  try {
    // The services package is typed against its own pre-release nats-core; the connection is the same at run time.
    const client = new Svcm(nc as unknown as ConstructorParameters<typeof Svcm>[0]).client({
      strategy: "stall",
      maxWait: 1000,
    });
    const pings = await collect(client.ping("echo-test"));
    assert.deepEqual(pings.map((p) => p.id).sort(), instances.map((s) => s.id).sort(), "both instances answer PING");
    assert.ok(pings.every((p) => p.type === "io.nats.micro.v1.ping_response" && p.version === "1.2.3"));
    const [info] = await collect(client.info("echo-test", instances[0].id));
    assert.equal(info.description, "echoes text after a delay");
    assert.deepEqual(info.endpoints.map((e) => [e.name, e.subject, e.queue_group]), [
      ["echo", "test.echo", "echo-q"],
      ["everyone", "test.everyone", ""],
    ]);

    const ask = (body: unknown) => nc.request("test.echo", JSON.stringify(body), { timeout: 5000 });
    const good = await Promise.all(Array.from({ length: 6 }, (_, i) => ask({ text: `t${i}`, delayMs: 50 })));
    assert.deepEqual(good.map((m) => m.json<{ text: string }>().text), ["t0", "t1", "t2", "t3", "t4", "t5"]);
    const refused = await ask({ text: "no", delayMs: 30 });
    assert.deepEqual(refused.json(), { error: { code: "refused", message: "refused on purpose" } });
    assert.equal(refused.headers?.get("Nats-Service-Error-Code"), "409");
    assert.equal(refused.headers?.get("Nats-Service-Error"), "refused on purpose");
    const malformed = await ask({ text: 3 });
    assert.equal(malformed.json<{ error: { code: string } }>().error.code, "invalid_request");
    assert.equal(malformed.headers?.get("Nats-Service-Error-Code"), "400");

    // Without a queue group every instance answers.
    const all = await collect(
      nc.requestMany("test.everyone", "{}", { strategy: "count", maxMessages: 2, maxWait: 2000 }),
    );
    assert.equal(all.length, 2);

    const stats = await collect(client.stats("echo-test"));
    assert.equal(stats.length, 2);
    const echo = stats.map((s) => s.endpoints!.find((e) => e.name === "echo")! as unknown as EndpointStats);
    const sum = (f: (e: EndpointStats) => number) => echo.reduce((a, e) => a + f(e), 0);
    assert.equal(sum((e) => e.num_requests), 8, "6 answered + 1 refused + 1 malformed");
    assert.equal(sum((e) => e.num_errors), 2);
    assert.ok(echo.every((e) => e.num_requests > 0), "the queue group shared the requests");
    // The answers waited 6 × 50 ms + 30 ms: the time counted is the awaited answer's, not the callback's.
    assert.ok(sum((e) => e.processing_time) >= 320e6, `processing time ${sum((e) => e.processing_time)} ns`);
    assert.ok(echo.some((e) => e.last_error === "409:refused on purpose" || e.last_error.startsWith("400:")));
    assert.deepEqual(instances.map((s) => s.stats()[0].num_requests).sort(), echo.map((e) => e.num_requests).sort());

    // A stopped instance leaves discovery.
    await instances[1].stop();
    assert.deepEqual((await collect(client.ping("echo-test"))).map((p) => p.id), [instances[0].id]);
  } finally {
    await Promise.all(instances.map((s) => s.stop()));
    await nc.close();
    await nats.stop({ removeStore: true });
  }
});

Deno.test("micro service: names and versions the protocol refuses are refused at start", async () => {
  const nats = await NatsServerProcess.start();
  const nc = await connectBus(nats.url, "micro-test");
  try {
    const base = { description: "", queue: "q", endpoints: [] };
    assert.throws(() => startMicroService(nc, { ...base, name: "has space", version: "1.0.0" }), /service name/);
    assert.throws(() => startMicroService(nc, { ...base, name: "ok", version: "v1" }), /semantic version/);
  } finally {
    await nc.close();
    await nats.stop({ removeStore: true });
  }
});
