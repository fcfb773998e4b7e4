/**
 * Schemas of every JSON message on the bus, versioned by their `schema` field.
 *
 * @module
 */
import { z } from "zod";

/** Announces a checkpoint whose files are all in the object store. */
export const CheckpointPublishedSchema = z.object({
  schema: z.literal("alexnet.checkpoint.published/v1"),
  name: z.string().min(1),
  version: z.string().min(1),
  arch: z.string(),
  runId: z.string(),
  epoch: z.number().int().nonnegative(),
  /** True when this epoch is the run's best so far on validation. */
  best: z.boolean(),
  /** File name → sha256, the same as in the checkpoint's manifest.json. */
  files: z.record(z.string(), z.string()),
  metrics: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});
export type CheckpointPublished = z.infer<typeof CheckpointPublishedSchema>;

/** Periodic training progress. */
export const TrainProgressSchema = z.object({
  schema: z.literal("alexnet.train.progress/v1"),
  runId: z.string(),
  epoch: z.number().int(),
  seen: z.number().int(),
  total: z.number().int(),
  imagesPerSec: z.number(),
  loss: z.number(),
});
export type TrainProgress = z.infer<typeof TrainProgressSchema>;

/** Metrics of one finished epoch (also one line of metrics.jsonl). */
export const EpochMetricsSchema = z.object({
  schema: z.literal("alexnet.train.epoch/v1"),
  runId: z.string(),
  epoch: z.number().int().positive(),
  trainLoss: z.number(),
  trainAccuracy: z.number(),
  valLoss: z.number().nullable(),
  valTop1: z.number().nullable(),
  valTop5: z.number().nullable(),
  learningRate: z.number(),
  seconds: z.number(),
  imagesPerSec: z.number(),
});
export type EpochMetrics = z.infer<typeof EpochMetricsSchema>;

/** A training job on the work queue: the `deno task train` flags to run with. */
export const TrainJobSchema = z.object({
  schema: z.literal("alexnet.train.job/v1"),
  jobId: z.string().regex(/^[A-Za-z0-9_-]+$/),
  /** `deno task train` arguments (without --nats/--submit; the worker supplies its own bus). */
  args: z.array(z.string()),
  submittedAt: z.string(),
});
export type TrainJob = z.infer<typeof TrainJobSchema>;

/** Where a run or job is in its life (subject `alexnet.train.<runId>.status`). */
export const TrainStatusSchema = z.object({
  schema: z.literal("alexnet.train.status/v1"),
  runId: z.string(),
  state: z.enum(["queued", "running", "done", "failed"]),
  name: z.string().optional(),
  worker: z.string().optional(),
  message: z.string().optional(),
  at: z.string(),
});
export type TrainStatus = z.infer<typeof TrainStatusSchema>;

/** A classify request over NATS (`alexnet.inference.classify`). */
export const ClassifyRequestSchema = z.object({
  schema: z.literal("alexnet.inference.classify/v1"),
  /** The JPEG or PNG file, base64. */
  image: z.base64().min(1),
  topk: z.number().int().min(1).max(1000).optional(),
  tta: z.enum(["center", "ten-crop"]).optional(),
});
export type ClassifyRequest = z.infer<typeof ClassifyRequestSchema>;

/** One change to the retrieval catalog. */
export const ImageRecordSchema = z.discriminatedUnion("op", [
  z.object({
    schema: z.literal("alexnet.images.record/v1"),
    op: z.literal("add"),
    id: z.string().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    metadata: z.record(z.string(), z.unknown()),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    createdAt: z.string(),
  }),
  z.object({
    schema: z.literal("alexnet.images.record/v1"),
    op: z.literal("delete"),
    id: z.string().min(1),
    createdAt: z.string(),
  }),
]);
export type ImageRecord = z.infer<typeof ImageRecordSchema>;
export type AddedImage = Extract<ImageRecord, { op: "add" }>;

/** One stored embedding: L2-normalised float32 vector, base64 little-endian. */
export const EmbeddingSchema = z.object({
  schema: z.literal("alexnet.embedding/v1"),
  id: z.string().min(1),
  vector: z.string(),
});
export type Embedding = z.infer<typeof EmbeddingSchema>;

/** A search over NATS (`alexnet.retrieval.search`): by image bytes or by stored id. */
export const SearchRequestSchema = z.object({
  schema: z.literal("alexnet.retrieval.search/v1"),
  image: z.base64().min(1).optional(),
  id: z.string().min(1).optional(),
  k: z.number().int().min(1).max(1000).optional(),
}).refine((r) => (r.image === undefined) !== (r.id === undefined), { message: "give exactly one of image or id" });
export type SearchRequest = z.infer<typeof SearchRequestSchema>;

/** A shard's part of a search: the query's embedding (float32, base64) under one model version. */
export const ShardSearchRequestSchema = z.object({
  schema: z.literal("alexnet.retrieval.shard-search/v1"),
  version: z.string().min(1),
  vector: z.base64().min(1),
  k: z.number().int().min(1).max(1000),
  exclude: z.array(z.string()).max(1000).default([]),
});
export type ShardSearchRequest = z.infer<typeof ShardSearchRequestSchema>;

/** A shard's answer: its best `k` under the version asked for. */
export const ShardSearchReplySchema = z.object({
  shard: z.string(),
  results: z.array(z.object({ id: z.string(), score: z.number() })),
});
export type ShardSearchReply = z.infer<typeof ShardSearchReplySchema>;
