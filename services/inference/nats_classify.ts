/**
 * The classify call over NATS: request-reply on `alexnet.inference.classify` in the queue
 * group `alexnet-inference`, so N replicas share the load with no extra configuration. Replies
 * are the HTTP response body on success, `{error: {code, message}}` otherwise.
 *
 * @module
 */
import type { NatsConnection, Subscription } from "nats";
import {
  bytesFromBase64,
  ClassifyRequestSchema,
  INFERENCE_CLASSIFY,
  INFERENCE_QUEUE_GROUP,
  serveRequests,
} from "../../shared/bus/mod.ts";
import { describeError } from "../../shared/http/mod.ts";
import { NoModelError } from "../../shared/predictor/mod.ts";
import type { InferenceEngine } from "./inference_engine.ts";

/**
 * @example
 * ```ts
 * const sub = serveClassifyOverNats(nc, engine, 5);
 * ```
 */
export function serveClassifyOverNats(nc: NatsConnection, engine: InferenceEngine, defaultTopk: number): Subscription {
  return serveRequests(nc, {
    subject: INFERENCE_CLASSIFY,
    queue: INFERENCE_QUEUE_GROUP,
    schema: ClassifyRequestSchema,
    answer: (request) =>
      engine.classify(bytesFromBase64(request.image), {
        topk: request.topk ?? defaultTopk,
        tta: request.tta ?? "center",
      }),
    errorCode: (error) => error instanceof NoModelError ? "no_model" : describeError(error).code,
  });
}
