/**
 * Keeps a service on the right checkpoint version. On start it takes the version the KV
 * bucket `alexnet-models` pins for the model name, else the newest published one. Then it
 * follows a durable JetStream consumer on `alexnet.checkpoint.published` (a restarted
 * service resumes where it stopped) and a KV watch on the pin. Each new version is
 * downloaded and digest-verified in the background and its files handed to `adopt` (the
 * service decodes, warms up, re-indexes…); one that fails is logged and never adopted. Bytes
 * only: the follower never builds a network.
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/nats-core";
import { AckPolicy, type ConsumerMessages, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { type CheckpointFiles, parseManifest } from "../../checkpoint/checkpoint_files.ts";
import type { CheckpointManifest } from "../../checkpoint/checkpoint_manifest.ts";
import { CheckpointPublishedSchema } from "../core/messages.ts";
import { CHECKPOINT_PUBLISHED, EVENTS_STREAM } from "../core/subjects.ts";
import { ensureEventsStream } from "../jetstream/ensure_stream.ts";
import { modelPins, pinnedVersion } from "../kv/model_pins.ts";
import { fetchCheckpoint, listCheckpointVersions } from "./checkpoint_store.ts";

/** Settings of {@linkcode CheckpointFollower}. */
export interface FollowerOptions {
  modelName: string;
  /** Durable consumer name; one per replica so every replica sees every event. */
  consumerName: string;
  /** The version now in use (to skip reloading it), or null. */
  currentVersion: () => string | null;
  /** Starts using a verified checkpoint's files; throwing refuses the version. */
  adopt: (files: CheckpointFiles, manifest: CheckpointManifest, why: string) => Promise<void>;
  log: (line: string) => void;
}

/**
 * @example
 * ```ts
 * const follower = new CheckpointFollower(nc, {
 *   modelName: "cats-dogs",
 *   consumerName: "inference-a",
 *   currentVersion: () => slot.current?.predictor.version ?? null,
 *   adopt: async (files) => void slot.swap({ predictor: await loadPredictor(files) }),
 *   log,
 * });
 * await follower.start();
 * ```
 */
export class CheckpointFollower {
  readonly #nc: NatsConnection;
  readonly #options: FollowerOptions;
  #kv: KV | null = null;
  #pin: string | null = null;
  #chain: Promise<void> = Promise.resolve();
  #messages: ConsumerMessages | null = null;
  #stopWatch: (() => void) | null = null;
  /** Versions that failed verification or loading; never retried. */
  readonly refused = new Set<string>();

  constructor(nc: NatsConnection, options: FollowerOptions) {
    this.#nc = nc;
    this.#options = options;
  }

  /** Loads the initial model (if any exists) and starts following. */
  async start(): Promise<void> {
    const { modelName, consumerName } = this.#options;
    await ensureEventsStream(this.#nc);
    const jsm = await jetstreamManager(this.#nc);
    try {
      await jsm.consumers.info(EVENTS_STREAM, consumerName);
    } catch {
      await jsm.consumers.add(EVENTS_STREAM, {
        durable_name: consumerName,
        filter_subject: CHECKPOINT_PUBLISHED,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.New,
      });
    }
    this.#kv = await modelPins(this.#nc);
    this.#pin = await pinnedVersion(this.#kv, modelName);
    const initial = this.#pin ?? (await listCheckpointVersions(this.#nc, modelName)).at(-1);
    if (initial) await this.#enqueue(initial, this.#pin ? "pinned" : "newest");
    else this.#options.log(`no checkpoint named ${modelName} yet; waiting for one to be published`);
    this.#consumeEvents(await (await jetstream(this.#nc).consumers.get(EVENTS_STREAM, consumerName)).consume());
    this.#watchPin();
  }

  /** Waits until every queued load has finished (for tests and shutdown). */
  async settled(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.#chain;
      await current;
    } while (current !== this.#chain);
  }

  /** Stops following (the current model stays). */
  async stop(): Promise<void> {
    await this.#messages?.close();
    this.#stopWatch?.();
    await this.settled();
  }

  #consumeEvents(messages: ConsumerMessages): void {
    this.#messages = messages;
    (async () => {
      for await (const message of messages) {
        try {
          const event = CheckpointPublishedSchema.parse(message.json());
          // A pin wins over "newest": only the pinned version is served while one is set.
          if (event.name === this.#options.modelName && this.#pin === null) {
            await this.#enqueue(event.version, "published");
          }
        } catch (error) {
          this.#options.log(`ignored a malformed checkpoint event: ${(error as Error).message}`);
        }
        message.ack();
      }
    })();
  }

  #watchPin(): void {
    const kv = this.#kv!;
    (async () => {
      const watch = await kv.watch({ key: this.#options.modelName });
      this.#stopWatch = () => watch.stop();
      for await (const entry of watch) {
        const pin = entry.operation === "PUT" && entry.value.length > 0 ? entry.string() : null;
        if (pin === this.#pin) continue;
        this.#pin = pin;
        if (pin) await this.#enqueue(pin, "pin changed");
        else {
          const newest = (await listCheckpointVersions(this.#nc, this.#options.modelName)).at(-1);
          if (newest) await this.#enqueue(newest, "pin removed, newest");
        }
      }
    })();
  }

  /** Queues a load of `version`; loads run one at a time, in order. */
  #enqueue(version: string, why: string): Promise<void> {
    this.#chain = this.#chain.then(() => this.#load(version, why));
    return this.#chain;
  }

  async #load(version: string, why: string): Promise<void> {
    const { modelName, log } = this.#options;
    const current = this.#options.currentVersion();
    if (current === version || this.refused.has(version)) return;
    const started = performance.now();
    try {
      const files = await fetchCheckpoint(this.#nc, modelName, version); // verified
      await this.#options.adopt(files, parseManifest(files), why);
      log(
        `now using ${modelName}@${version} (${why}; ready in ${((performance.now() - started) / 1000).toFixed(1)} s)`,
      );
    } catch (error) {
      this.refused.add(version);
      log(`refused ${modelName}@${version} (${why}): ${(error as Error).message}; still using ${current ?? "nothing"}`);
    }
  }
}
