/**
 * The retrieval service's bounded work queue as the routes use it: a job runs when a slot is
 * free (yielding once first, so a burst of requests is queued before the first decodes), a full
 * queue is 503 `overloaded` with `Retry-After`, and the queue-depth gauge follows.
 *
 * @module
 */
import type { Gauge } from "prom-client";
import { QueueFullError, RequestError, type WorkQueue } from "../../shared/http/mod.ts";

/** Runs a job on the queue. */
export type Queued = <T>(job: () => Promise<T>) => Promise<T>;

/**
 * @example
 * ```ts
 * const queued = queuedOn(queue, metrics.queueDepth);
 * const answer = await queued(() => library.searchAnswer({ bytes }, 10));
 * ```
 */
export function queuedOn(queue: WorkQueue, depth: Gauge): Queued {
  return <T>(job: () => Promise<T>) =>
    queue.run(async () => {
      depth.set(queue.depth);
      await new Promise((resolve) => setTimeout(resolve, 0));
      return await job();
    }).catch((error) => {
      if (error instanceof QueueFullError) throw new RequestError(503, "overloaded", error.message, 1);
      throw error;
    }).finally(() => depth.set(queue.depth));
}
