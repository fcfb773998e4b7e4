/**
 * The classify call over NATS, as the NATS micro service `alexnet-inference`: request-reply on
 * `alexnet.inference.classify` in the queue group `alexnet-inference`, so N replicas share the
 * load with no extra configuration, and `nats micro ls|info|stats` (`$SRV.*`) sees every replica
 * with its request, error and time counts. Replies are the HTTP response body on success,
 * `{error: {code, message}}` otherwise.
 *
 * @module
 */
import {
  bytesFromBase64,
  ClassifyRequestSchema,
  type Endpoint,
  endpoint,
  INFERENCE_CLASSIFY,
  INFERENCE_QUEUE_GROUP,
  INFERENCE_SERVICE,
  type MicroService,
  type NatsConnection,
  SERVICES_VERSION,
  startMicroService,
} from "../../shared/bus/mod.ts";
import { describeError } from "../../shared/http/mod.ts";
import { NoModelError } from "../../shared/predictor/mod.ts";
import type { InferenceEngine } from "./inference_engine.ts";

/** The `classify` endpoint answered by `engine`. */
export function classifyEndpoint(engine: InferenceEngine, defaultTopk: number): Endpoint {
  return endpoint({
    name: "classify",
    subject: INFERENCE_CLASSIFY,
    schema: ClassifyRequestSchema,
    answer: (request) =>
      engine.classify(bytesFromBase64(request.image), {
        topk: request.topk ?? defaultTopk,
        tta: request.tta ?? "center",
      }),
    describeError: (error) => error instanceof NoModelError ? { status: 503, code: "no_model" } : describeError(error),
  });
}

/**
 * @example
 * ```ts
 * const service = serveInferenceOverNats(nc, engine, 5);
 * await service.stop();
 * ```
 */
export function serveInferenceOverNats(nc: NatsConnection, engine: InferenceEngine, defaultTopk: number): MicroService {
  return startMicroService(nc, {
    name: INFERENCE_SERVICE,
    version: SERVICES_VERSION,
    description: "AlexNet image classification: a base64 JPEG/PNG in, the top-k classes out",
    queue: INFERENCE_QUEUE_GROUP,
    endpoints: [classifyEndpoint(engine, defaultTopk)],
  });
}
