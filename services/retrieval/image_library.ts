/**
 * Where the retrieval service keeps everything durable: originals and thumbnails in the
 * object store `alexnet-images`, the catalog (add/delete records) and every model version's
 * embeddings in the stream `ALEXNET_EMBEDDINGS`. A restart replays them; nothing lives only
 * in memory. While NATS is unreachable every operation fails at once with a 503 `bus_unavailable`
 * (never handed to nats.js to buffer and send after the reconnect).
 *
 * @module
 */
import {
  type AddedImage,
  type Embedding,
  EMBEDDINGS_STREAM,
  EMBEDDINGS_SUBJECTS,
  EmbeddingSchema,
  ensureStream,
  float32FromBase64,
  float32ToBase64,
  followConnection,
  IMAGE_CATALOG,
  type ImageRecord,
  ImageRecordSchema,
  IMAGES_BUCKET,
  isBusUnavailable,
  type NatsConnection,
  streamReplicas,
  type Subscription,
} from "../../shared/bus/mod.ts";
import { RequestError } from "../../shared/http/mod.ts";
import { DeliverPolicy, jetstream, type JetStreamClient, jetstreamManager } from "@nats-io/jetstream";
import { type ObjectStore, Objm } from "@nats-io/obj";

/** The largest object a snapshot is stored in. */
const SNAPSHOT_PART = 128 * 2 ** 20;

/**
 * @example
 * ```ts
 * const library = await ImageLibrary.open(nc);
 * const catalog = await library.readCatalog();
 * ```
 */
export class ImageLibrary {
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #bucket: ObjectStore;
  readonly #link: ReturnType<typeof followConnection>;

  private constructor(nc: NatsConnection, bucket: ObjectStore) {
    this.#nc = nc;
    this.#js = jetstream(nc);
    this.#bucket = bucket;
    this.#link = followConnection(nc);
  }

  /** Whether NATS is reachable now (adds and deletes are refused while it is not). */
  get connected(): boolean {
    return this.#link.connected;
  }

  /** Runs `operation` when NATS is up; a missing or vanishing NATS becomes a 503 the client may retry. */
  async #onBus<T>(operation: () => Promise<T>): Promise<T> {
    const unavailable = () =>
      new RequestError(503, "bus_unavailable", "NATS is unreachable, so nothing was stored; retry shortly", 5);
    if (!this.#link.connected) throw unavailable();
    try {
      return await operation();
    } catch (error) {
      throw isBusUnavailable(error) || !this.#link.connected ? unavailable() : error;
    }
  }

  /** Opens (creating when missing) the stream and the bucket. */
  static async open(nc: NatsConnection): Promise<ImageLibrary> {
    await ensureStream(nc, { name: EMBEDDINGS_STREAM, subjects: EMBEDDINGS_SUBJECTS, allow_direct: true });
    return new ImageLibrary(nc, await new Objm(nc).create(IMAGES_BUCKET, { replicas: streamReplicas() }));
  }

  /** Stores the original and its thumbnail under the original's sha256. */
  async putImage(sha256: string, original: Uint8Array, thumbnail: Uint8Array): Promise<void> {
    await this.#onBus(async () => {
      await this.#bucket.putBlob({ name: `originals/${sha256}` }, original);
      await this.#bucket.putBlob({ name: `thumbnails/${sha256}.jpg` }, thumbnail);
    });
  }

  async original(sha256: string): Promise<Uint8Array | null> {
    return await this.#onBus(() => this.#bucket.getBlob(`originals/${sha256}`));
  }

  async thumbnail(sha256: string): Promise<Uint8Array | null> {
    return await this.#onBus(() => this.#bucket.getBlob(`thumbnails/${sha256}.jpg`));
  }

  /** Appends a catalog record (acknowledged by JetStream before returning). */
  async appendRecord(record: ImageRecord): Promise<void> {
    await this.#onBus(() => this.#js.publish(IMAGE_CATALOG, JSON.stringify(ImageRecordSchema.parse(record))));
  }

  /**
   * Appends a delete record for `id` without waiting: handed to nats.js even while NATS is away,
   * so it reaches the stream right after any add of `id` that nats.js still holds.
   */
  retractRecord(id: string): void {
    const record = { schema: "alexnet.images.record/v1", op: "delete", id, createdAt: new Date().toISOString() };
    try {
      this.#nc.publish(IMAGE_CATALOG, JSON.stringify(ImageRecordSchema.parse(record)));
    } catch {
      // the connection is closed for good: nothing of the add can arrive either
    }
  }

  /** The live catalog: every added image not deleted since, by id, in order of addition. */
  async readCatalog(): Promise<Map<string, AddedImage>> {
    const catalog = new Map<string, AddedImage>();
    for (const raw of await this.#readSubject(IMAGE_CATALOG)) {
      const record = ImageRecordSchema.parse(raw);
      if (record.op === "add") catalog.set(record.id, record);
      else catalog.delete(record.id);
    }
    return catalog;
  }

  /**
   * Calls `onRecord` with every catalogue record published from now on (by any replica or shard,
   * this one included), in order.
   */
  watchCatalog(onRecord: (record: ImageRecord) => Promise<void>, onError: (error: Error) => void): Subscription {
    let chain = Promise.resolve();
    return this.#nc.subscribe(IMAGE_CATALOG, {
      callback: (error, message) => {
        if (error) return;
        const parsed = ImageRecordSchema.safeParse((() => {
          try {
            return message.json();
          } catch {
            return null;
          }
        })());
        if (!parsed.success) return;
        chain = chain.then(() => onRecord(parsed.data)).catch(onError);
      },
    });
  }

  /** Appends one embedding to a version's subject. */
  async appendVector(subject: string, id: string, vector: Float32Array): Promise<void> {
    const message: Embedding = { schema: "alexnet.embedding/v1", id, vector: float32ToBase64(vector) };
    await this.#onBus(() => this.#js.publish(subject, JSON.stringify(message)));
  }

  /** Every embedding stored under `subject` from stream sequence `fromSeq` on, by id (the latest wins). */
  async readVectors(subject: string, fromSeq = 1): Promise<Map<string, Float32Array>> {
    const vectors = new Map<string, Float32Array>();
    for (const raw of await this.#readSubject(subject, fromSeq)) {
      const { id, vector } = EmbeddingSchema.parse(raw);
      vectors.set(id, float32FromBase64(vector));
    }
    return vectors;
  }

  /** The stream sequence of the last message on `subject` (0 when there is none). */
  async lastSequence(subject: string): Promise<number> {
    const jsm = await jetstreamManager(this.#nc);
    const info = await jsm.streams.info(EMBEDDINGS_STREAM, { subjects_filter: subject });
    if ((info.state.subjects?.[subject] ?? 0) === 0) return 0;
    return (await jsm.direct.getMessage(EMBEDDINGS_STREAM, { last_by_subj: subject }))?.seq ?? 0;
  }

  /** Reads every message on `subject` from stream sequence `fromSeq` on, in order. */
  async #readSubject(subject: string, fromSeq = 1): Promise<unknown[]> {
    const last = await this.lastSequence(subject);
    if (last < fromSeq) return [];
    // An ordered consumer filtered on the subject, read in one stream of messages: direct gets
    // one message at a time took 1.2 ms each.
    const consumer = await this.#js.consumers.get(EMBEDDINGS_STREAM, {
      filter_subjects: subject,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: fromSeq,
    });
    const messages = await consumer.consume();
    const out: unknown[] = [];
    try {
      for await (const message of messages) {
        out.push(message.json());
        if (message.seq >= last) break;
      }
    } finally {
      await messages.close();
    }
    return out;
  }

  /**
   * Stores a search index snapshot for `subject` (one per model version and layer; replaces the
   * last) in parts of at most 128 MiB — one 900 MB object timed out in nats.js here — under
   * `indexes/<subject>/<n>`, then `indexes/<subject>`, which names the parts.
   */
  async putIndexSnapshot(subject: string, bytes: Uint8Array): Promise<void> {
    await this.#onBus(async () => {
      const parts = Math.max(1, Math.ceil(bytes.byteLength / SNAPSHOT_PART));
      for (let i = 0; i < parts; i++) {
        await this.#bucket.putBlob(
          { name: `indexes/${subject}/${i}` },
          bytes.subarray(i * SNAPSHOT_PART, (i + 1) * SNAPSHOT_PART),
        );
      }
      const head = { schema: "alexnet.retrieval.snapshot-parts/v1", parts, bytes: bytes.byteLength };
      await this.#bucket.putBlob({ name: `indexes/${subject}` }, new TextEncoder().encode(JSON.stringify(head)));
    });
  }

  /** The size in bytes of the last snapshot stored for `subject`, or null when there is none. */
  async indexSnapshotSize(subject: string): Promise<number | null> {
    return (await this.#snapshotHead(subject))?.bytes ?? null;
  }

  async #snapshotHead(subject: string): Promise<{ parts: number; bytes: number } | null> {
    const head = await this.#onBus(() => this.#bucket.getBlob(`indexes/${subject}`));
    if (!head) return null;
    try {
      const parsed = JSON.parse(new TextDecoder().decode(head));
      return Number.isInteger(parsed.parts) && Number.isInteger(parsed.bytes) ? parsed : null;
    } catch {
      return null;
    }
  }

  /** The last snapshot stored for `subject`, or null (none, or a part is missing). */
  async indexSnapshot(subject: string): Promise<Uint8Array | null> {
    const head = await this.#snapshotHead(subject);
    if (!head) return null;
    const out = new Uint8Array(head.bytes);
    let at = 0;
    for (let i = 0; i < head.parts; i++) {
      const part = await this.#onBus(() => this.#bucket.getBlob(`indexes/${subject}/${i}`));
      if (!part || at + part.byteLength > out.byteLength) return null;
      out.set(part, at);
      at += part.byteLength;
    }
    return at === out.byteLength ? out : null;
  }
}
