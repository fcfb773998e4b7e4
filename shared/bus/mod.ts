/**
 * The NATS side of the system, bytes only: connecting, every subject/stream/bucket name, the
 * message schemas, checkpoints in the object store (upload, list, fetch with verification),
 * the checkpoint follower, model pins, training jobs. Nothing here imports TensorFlow.js or
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
export { bytesFromBase64, bytesToBase64, float32FromBase64, float32ToBase64 } from "./base64.ts";
export { type BusIdentity, busIdentityFlags, busIdentityFrom, busIdentityHelp } from "./bus_identity.ts";
export { type ConnectionState, followConnection, isBusUnavailable, isPermissionViolation } from "./bus_errors.ts";
export { connectBus } from "./connect_bus.ts";
export { ensureStream, streamReplicas } from "./ensure_stream.ts";
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
  JOBS_STREAM,
  MODELS_BUCKET,
  RETRIEVAL_EMBED,
  RETRIEVAL_QUEUE_GROUP,
  RETRIEVAL_SEARCH,
  RETRIEVAL_SHARD_SEARCH,
  TRAIN_EVENTS_WILDCARD,
  TRAIN_JOBS,
  TRAIN_WORKERS_CONSUMER,
  trainEpochSubject,
  trainProgressSubject,
  trainStatusSubject,
} from "./subjects.ts";
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
} from "./messages.ts";
export {
  CheckpointNotFoundError,
  downloadCheckpoint,
  ensureEventsStream,
  fetchCheckpoint,
  fetchCheckpointManifest,
  listCheckpointVersions,
  publishCheckpoint,
  type PublishInfo,
} from "./checkpoint_store.ts";
export { CheckpointFollower, type FollowerOptions } from "./checkpoint_follower.ts";
export { type RequestService, serveRequests } from "./serve_requests.ts";
export { modelPins, NoEarlierPinError, pinHistory, pinnedVersion, promoteVersion, rollbackPin } from "./model_pins.ts";
export {
  ensureJobsQueue,
  JOB_ACK_WAIT_MS,
  newRunId,
  publishTrainStatus,
  submitTrainJob,
  trainJobsConsumer,
} from "./train_jobs.ts";
