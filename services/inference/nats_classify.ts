/**
 * The classify call over NATS: request-reply on `alexnet.inference.classify` in a queue
 * group, so N replicas share the load with no extra configuration. Replies are the HTTP
 * response body on success, `{error: {code, message}}` otherwise.
 *
 * @module
 */
import type { NatsConnection, Subscription } from "nats";
import { bytesFromBase64 } from "../../shared/bus/base64.ts";
import { ClassifyRequestSchema } from "../../shared/bus/messages.ts";
import { INFERENCE_CLASSIFY, INFERENCE_QUEUE_GROUP } from "../../shared/bus/subjects.ts";
import { ImageDecodeError, UnsupportedImageError } from "../../shared/image/decode_image.ts";
import { PixelLimitError } from "./classify_image.ts";
import type { InferenceEngine } from "./inference_engine.ts";
import { NoModelError } from "./model_slot.ts";
import { QueueFullError } from "../../shared/http/work_queue.ts";

function errorCode(error: unknown): string {
  if (error instanceof UnsupportedImageError) return "unsupported_media_type";
  if (error instanceof ImageDecodeError) return "corrupt_image";
  if (error instanceof PixelLimitError) return "too_many_pixels";
  if (error instanceof QueueFullError) return "overloaded";
  if (error instanceof NoModelError) return "no_model";
  return "internal";
}

/**
 * @example
 * ```ts
 * const sub = serveClassifyOverNats(nc, engine, 5);
 * ```
 */
export function serveClassifyOverNats(nc: NatsConnection, engine: InferenceEngine, defaultTopk: number): Subscription {
  return nc.subscribe(INFERENCE_CLASSIFY, {
    queue: INFERENCE_QUEUE_GROUP,
    callback: async (error, message) => {
      if (error) return;
      let reply: unknown;
      try {
        const parsed = ClassifyRequestSchema.safeParse(message.json());
        if (!parsed.success) {
          reply = { error: { code: "invalid_request", message: parsed.error.issues[0].message } };
        } else {
          const bytes = bytesFromBase64(parsed.data.image);
          reply = await engine.classify(bytes, {
            topk: parsed.data.topk ?? defaultTopk,
            tta: parsed.data.tta ?? "center",
          });
        }
      } catch (failure) {
        reply = { error: { code: errorCode(failure), message: (failure as Error).message } };
      }
      message.respond(JSON.stringify(reply));
    },
  });
}
