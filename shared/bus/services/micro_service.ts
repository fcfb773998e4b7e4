/**
 * Request-reply services that NATS tools can see: the NATS "micro" service protocol (ADR-32,
 * `io.nats.micro.v1`), which `nats micro ls|info|stats` and nats.js's `@nats-io/services` client
 * speak. A service has a name, a semantic version and an id per instance; each endpoint is a
 * subject answered in a queue group (replicas share the load), or by every instance when its
 * queue is `null` (scatter-gather). Every instance also answers `$SRV.PING|INFO|STATS`, `$SRV.VERB.NAME`
 * and `$SRV.VERB.NAME.ID` with who it is, its endpoints, and per endpoint the requests, errors, the last
 * error and the processing time (nanoseconds, total and mean).
 *
 * Each request's JSON is validated by the endpoint's schema; a request that is not JSON or fails
 * the schema is answered `{error: {code: "invalid_request"}}` (status 400), and an error the answer
 * throws `{error: {code, message}}` with its status — both also as the protocol's error headers
 * (`Nats-Service-Error`, `Nats-Service-Error-Code`) and counted as errors.
 *
 * Why not `@nats-io/services` itself (3.0.0-25, the newest on npm): it calls a handler without
 * awaiting it, so an asynchronous answer's time is not counted and an error answered after an
 * `await` is never counted as an error; and it pins a pre-release `@nats-io/nats-core` (3.0.0-50)
 * beside the 3.4.0 the rest of the bus uses. Its client is what the tests discover our services
 * with.
 *
 * @module
 */
import { headers, type Msg, type NatsConnection, nuid, type Subscription } from "@nats-io/nats-core";
import type { z } from "zod";

/** What a client is told about a failed request. */
export interface EndpointError {
  /** HTTP-like status (400 the client's fault, 503 try later, 500 ours); sent as `Nats-Service-Error-Code`. */
  status: number;
  /** Our error code (`invalid_request`, `no_model` …), in the JSON body. */
  code: string;
}

/** One request-reply endpoint. */
export interface Endpoint<S extends z.ZodType = z.ZodType> {
  /** The endpoint's name in INFO and STATS (letters, digits, `-`, `_`). */
  name: string;
  subject: string;
  /** The queue group; omitted: the service's; `null`: none (every instance answers: scatter-gather). */
  queue?: string | null;
  schema: S;
  /** The reply to a valid request (serialised as JSON). */
  answer: (request: z.infer<S>) => Promise<unknown>;
  /** The status and code of an error `answer` threw. */
  describeError: (error: unknown) => EndpointError;
}

/**
 * An endpoint whose answer is typed by its schema, as the service's list holds it (the schema
 * checks each request before `answer` sees it).
 *
 * @example
 * ```ts
 * const search = endpoint({ name: "search", subject, schema: SearchRequestSchema, answer, describeError });
 * ```
 */
export function endpoint<S extends z.ZodType>(typed: Endpoint<S>): Endpoint {
  return typed as unknown as Endpoint;
}

/** A service's identity and endpoints. */
export interface MicroServiceConfig {
  /** Letters, digits, `-`, `_` (the protocol's rule). */
  name: string;
  /** Semantic version (`1.2.0`). */
  version: string;
  description: string;
  /** The default queue group of its endpoints. */
  queue: string;
  metadata?: Record<string, string>;
  endpoints: Endpoint[];
}

/** An endpoint's counters, as STATS reports them. */
export interface EndpointStats {
  name: string;
  subject: string;
  queue_group: string;
  num_requests: number;
  num_errors: number;
  last_error: string;
  /** Nanoseconds, summed over every request, from its arrival to its reply. */
  processing_time: number;
  average_processing_time: number;
}

/** A running service instance. */
export interface MicroService {
  readonly id: string;
  readonly name: string;
  /** The same counters `$SRV.STATS` answers. */
  stats(): EndpointStats[];
  /** Stops answering (endpoints and discovery); requests in progress still get their reply. */
  stop(): Promise<void>;
}

const NAME = /^[A-Za-z0-9_-]+$/;
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const PROTOCOL = "io.nats.micro.v1";
const VERBS = ["PING", "INFO", "STATS"] as const;

/**
 * Starts answering `config`'s endpoints and the discovery subjects on `nc`.
 *
 * @example
 * ```ts
 * const service = startMicroService(nc, {
 *   name: "alexnet-inference", version: "1.0.0", description: "classify images", queue: INFERENCE_QUEUE_GROUP,
 *   endpoints: [{ name: "classify", subject: INFERENCE_CLASSIFY, schema, answer, describeError }],
 * });
 * ```
 */
export function startMicroService(nc: NatsConnection, config: MicroServiceConfig): MicroService {
  if (!NAME.test(config.name)) throw new Error(`service name ${config.name} must match ${NAME}`);
  if (!SEMVER.test(config.version)) throw new Error(`service version ${config.version} is not a semantic version`);
  for (const e of config.endpoints) {
    if (!NAME.test(e.name)) throw new Error(`endpoint name ${e.name} must match ${NAME}`);
  }
  const id = nuid.next();
  const started = new Date().toISOString();
  const counters = config.endpoints.map((e): EndpointStats => ({
    name: e.name,
    subject: e.subject,
    queue_group: e.queue === null ? "" : e.queue ?? config.queue,
    num_requests: 0,
    num_errors: 0,
    last_error: "",
    processing_time: 0,
    average_processing_time: 0,
  }));
  const inFlight = new Set<Promise<void>>();
  const subscriptions: Subscription[] = config.endpoints.map((endpoint, i) =>
    nc.subscribe(endpoint.subject, {
      queue: counters[i].queue_group || undefined,
      callback: (error, message) => {
        if (error) return;
        const done = answerOne(endpoint, counters[i], message).finally(() => inFlight.delete(done));
        inFlight.add(done);
      },
    })
  );
  const base = { name: config.name, id, version: config.version, metadata: config.metadata ?? {} };
  const replies: Record<(typeof VERBS)[number], () => unknown> = {
    PING: () => ({ type: `${PROTOCOL}.ping_response`, ...base }),
    INFO: () => ({
      type: `${PROTOCOL}.info_response`,
      ...base,
      description: config.description,
      endpoints: counters.map(({ name, subject, queue_group }) => ({ name, subject, queue_group, metadata: {} })),
    }),
    STATS: () => ({ type: `${PROTOCOL}.stats_response`, ...base, started, endpoints: counters.map((c) => ({ ...c })) }),
  };
  for (const verb of VERBS) {
    for (const subject of [`$SRV.${verb}`, `$SRV.${verb}.${config.name}`, `$SRV.${verb}.${config.name}.${id}`]) {
      subscriptions.push(nc.subscribe(subject, {
        callback: (error, message) => {
          if (!error) message.respond(JSON.stringify(replies[verb]()));
        },
      }));
    }
  }
  return {
    id,
    name: config.name,
    stats: () => counters.map((c) => ({ ...c })),
    stop: async () => {
      for (const subscription of subscriptions) subscription.unsubscribe();
      await Promise.all(inFlight);
    },
  };
}

/** Validates, answers and replies to one request, counting it. */
async function answerOne(endpoint: Endpoint, counter: EndpointStats, message: Msg): Promise<void> {
  const start = performance.now();
  let reply: unknown;
  let failed: (EndpointError & { message: string }) | null = null;
  try {
    let body: unknown;
    try {
      body = message.json();
    } catch {
      body = undefined;
    }
    const parsed = endpoint.schema.safeParse(body);
    if (parsed.success) reply = await endpoint.answer(parsed.data);
    else failed = { status: 400, code: "invalid_request", message: parsed.error.issues[0]?.message ?? "not JSON" };
  } catch (error) {
    failed = { ...endpoint.describeError(error), message: (error as Error).message };
  }
  if (failed) {
    counter.num_errors++;
    counter.last_error = `${failed.status}:${failed.message}`;
    const h = headers();
    h.set("Nats-Service-Error", failed.message);
    h.set("Nats-Service-Error-Code", String(failed.status));
    message.respond(JSON.stringify({ error: { code: failed.code, message: failed.message } }), { headers: h });
  } else message.respond(JSON.stringify(reply));
  counter.num_requests++;
  counter.processing_time += Math.round((performance.now() - start) * 1e6);
  counter.average_processing_time = Math.round(counter.processing_time / counter.num_requests);
}
