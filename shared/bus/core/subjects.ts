/**
 * Every NATS name the services share (DESIGN.md, "NATS contract"). Nothing else in the
 * code base spells a subject, stream or bucket.
 *
 * @module
 */

/** JetStream object store holding checkpoint files as `<name>/<version>/<file>`. */
export const CHECKPOINT_BUCKET = "alexnet-checkpoints";
/** KV bucket: which version each model name serves. */
export const MODELS_BUCKET = "alexnet-models";
/** Stream carrying checkpoint and training events. */
export const EVENTS_STREAM = "ALEXNET_EVENTS";
/**
 * Subjects captured by {@linkcode EVENTS_STREAM}: checkpoint events and each run's
 * progress/epoch/status. (Not `alexnet.train.>`, which would overlap the jobs stream.)
 */
export const EVENTS_SUBJECTS = [
  "alexnet.checkpoint.>",
  "alexnet.train.*.progress",
  "alexnet.train.*.epoch",
  "alexnet.train.*.status",
];
/** Work-queue stream of training jobs: each job goes to exactly one trainer worker. */
export const JOBS_STREAM = "ALEXNET_JOBS";
/** Where `train --submit` puts a job. */
export const TRAIN_JOBS = "alexnet.train.jobs";
/** Durable pull consumer the trainer workers share on {@linkcode JOBS_STREAM}. */
export const TRAIN_WORKERS_CONSUMER = "alexnet-trainers";
/** Every training event (progress, epoch, status) of every run, for dashboards. */
export const TRAIN_EVENTS_WILDCARD = "alexnet.train.*.*";
/** A checkpoint finished uploading. */
export const CHECKPOINT_PUBLISHED = "alexnet.checkpoint.published";
/** Classification over the bus (request-reply, queue group). */
export const INFERENCE_CLASSIFY = "alexnet.inference.classify";
/** Retrieval over the bus (request-reply, queue group). */
export const RETRIEVAL_EMBED = "alexnet.retrieval.embed";
export const RETRIEVAL_SEARCH = "alexnet.retrieval.search";
/** Scatter-gather between retrieval shards: every shard answers its part (no queue group). */
export const RETRIEVAL_SHARD_SEARCH = "alexnet.retrieval.shard.search";
/** Stream of retrieval embeddings, one subject per model version. */
export const EMBEDDINGS_STREAM = "ALEXNET_EMBEDDINGS";

/** Progress events of a training run. */
export function trainProgressSubject(runId: string): string {
  return `alexnet.train.${runId}.progress`;
}

/** End-of-epoch metrics of a training run. */
export function trainEpochSubject(runId: string): string {
  return `alexnet.train.${runId}.epoch`;
}

/** Lifecycle of a run or job: queued → running → done | failed. */
export function trainStatusSubject(runId: string): string {
  return `alexnet.train.${runId}.status`;
}

/** Object name of one checkpoint file in {@linkcode CHECKPOINT_BUCKET}. */
export function checkpointObjectName(name: string, version: string, file: string): string {
  return `${name}/${version}/${file}`;
}

/** Queue group the inference replicas share on {@linkcode INFERENCE_CLASSIFY}. */
export const INFERENCE_QUEUE_GROUP = "alexnet-inference";
/** The NATS micro service names (`nats micro info alexnet-inference`) and their contract's version. */
export const INFERENCE_SERVICE = "alexnet-inference";
export const RETRIEVAL_SERVICE = "alexnet-retrieval";
/** The request-reply contract's version (the `/v1` schemas): a breaking change to them is 2.0.0. */
export const SERVICES_VERSION = "1.0.0";

/** Object store of indexed images: `originals/<sha256>` and `thumbnails/<sha256>.jpg`. */
export const IMAGES_BUCKET = "alexnet-images";
/** Subjects captured by {@linkcode EMBEDDINGS_STREAM}. */
export const EMBEDDINGS_SUBJECTS = ["alexnet.embeddings.>", "alexnet.images.>"];
/** Add/delete records of the retrieval catalog, in order. */
export const IMAGE_CATALOG = "alexnet.images.catalog";
/** Queue group the retrieval replicas share. */
export const RETRIEVAL_QUEUE_GROUP = "alexnet-retrieval";

/** Embeddings of every catalogued image under one model version and layer. */
export function embeddingsSubject(name: string, version: string, layer: string): string {
  return `alexnet.embeddings.${name}.${version}.${layer}`;
}
