/**
 * The NATS side of the system, bytes only, on nats.js v3 and layered as its modules are — each
 * layer imports only those above it in this list:
 *
 * - `core/` (`@nats-io/nats-core`, `transport-node`, `nkeys`): connecting, identity, error kinds,
 *   every subject/stream/bucket name, the message schemas;
 * - `jetstream/` (`@nats-io/jetstream`): streams, the training jobs' work queue and status events;
 * - `kv/` (`@nats-io/kv`): model pins;
 * - `obj/` (`@nats-io/obj`): checkpoints in the object store (upload, list, fetch with
 *   verification) and the checkpoint follower;
 * - `services/`: request-reply endpoints as NATS micro services (`$SRV.PING|INFO|STATS`).
 *
 * The import-rule test enforces the order. Nothing here imports TensorFlow.js or
 * `shared/model` (a test enforces it): the follower hands verified files to the service,
 * which builds the network.
 *
 * @example
 * ```ts
 * import { connectBus, fetchCheckpoint } from "../../shared/bus/mod.ts";
 * const files = await fetchCheckpoint(await connectBus("nats://127.0.0.1:4222"), "cats-dogs");
 * ```
 *
 * @module
 */
export { bytesFromBase64, bytesToBase64, float32FromBase64, float32ToBase64 } from "./core/base64.ts";
export { type BusIdentity, busIdentityFlags, busIdentityFrom, busIdentityHelp } from "./core/bus_identity.ts";
export { type ConnectionState, followConnection, isBusUnavailable, isPermissionViolation } from "./core/bus_errors.ts";
export { connectBus } from "./core/connect_bus.ts";
export type { Msg, NatsConnection, Subscription } from "@nats-io/nats-core";
export type { Consumer, JsMsg } from "@nats-io/jetstream";
export { ensureEventsStream, ensureStream, streamReplicas } from "./jetstream/ensure_stream.ts";
export {
  CHECKPOINT_BUCKET,
  CHECKPOINT_PUBLISHED,
  checkpointObjectName,
  EMBEDDINGS_STREAM,
  EMBEDDINGS_SUBJECTS,
  embeddingsSubject,
  EVENTS_STREAM,
  EVENTS_SUBJECTS,
  IMAGE_CATALOG,
  IMAGES_BUCKET,
  INFERENCE_CLASSIFY,
  INFERENCE_QUEUE_GROUP,
  INFERENCE_SERVICE,
  JOBS_STREAM,
  MODELS_BUCKET,
  RETRIEVAL_EMBED,
  RETRIEVAL_QUEUE_GROUP,
  RETRIEVAL_SEARCH,
  RETRIEVAL_SERVICE,
  RETRIEVAL_SHARD_SEARCH,
  SERVICES_VERSION,
  TRAIN_EVENTS_WILDCARD,
  TRAIN_JOBS,
  TRAIN_WORKERS_CONSUMER,
  trainEpochSubject,
  trainProgressSubject,
  trainStatusSubject,
} from "./core/subjects.ts";
export {
  type AddedImage,
  type CheckpointPublished,
  CheckpointPublishedSchema,
  type ClassifyRequest,
  ClassifyRequestSchema,
  type Embedding,
  EmbeddingSchema,
  type EpochMetrics,
  EpochMetricsSchema,
  type ImageRecord,
  ImageRecordSchema,
  type SearchRequest,
  SearchRequestSchema,
  type ShardSearchReply,
  ShardSearchReplySchema,
  type ShardSearchRequest,
  ShardSearchRequestSchema,
  type TrainJob,
  TrainJobSchema,
  type TrainProgress,
  TrainProgressSchema,
  type TrainStatus,
  TrainStatusSchema,
} from "./core/messages.ts";
export {
  CheckpointNotFoundError,
  downloadCheckpoint,
  fetchCheckpoint,
  fetchCheckpointManifest,
  listCheckpointNames,
  listCheckpointVersions,
  publishCheckpoint,
  type PublishInfo,
} from "./obj/checkpoint_store.ts";
export { CheckpointFollower, type FollowerOptions } from "./obj/checkpoint_follower.ts";
export {
  type Endpoint,
  endpoint,
  type EndpointError,
  type EndpointStats,
  type MicroService,
  type MicroServiceConfig,
  startMicroService,
} from "./services/micro_service.ts";
export {
  modelPins,
  NoEarlierPinError,
  pinHistory,
  pinnedVersion,
  promoteVersion,
  rollbackPin,
} from "./kv/model_pins.ts";
export {
  ensureJobsQueue,
  JOB_ACK_WAIT_MS,
  newRunId,
  publishTrainStatus,
  submitTrainJob,
  trainJobsConsumer,
} from "./jetstream/train_jobs.ts";
