/**
 * One Web Worker of a pool, asked one request at a time and answered in order: the replies of
 * the data-parallel training pool and of the inference feature pool come back through this.
 * A worker that answers `{type: "error"}` rejects the call; one that crashes rejects every call
 * waiting on it.
 *
 * @module
 */

/**
 * @example
 * ```ts
 * const member = new WorkerMember<Request, Reply>(new URL("./replica_worker_entry.ts", import.meta.url), "training worker");
 * const reply = await member.call<"ready">({ type: "init", … });
 * member.terminate();
 * ```
 */
export class WorkerMember<Request, Reply extends { type: string; message?: string }> {
  readonly #worker: Worker;
  #waiting: { resolve: (reply: Reply) => void; reject: (error: Error) => void }[] = [];

  constructor(entry: URL, role: string) {
    this.#worker = new Worker(entry.href, { type: "module" });
    this.#worker.onmessage = (event: MessageEvent<Reply>) => {
      const next = this.#waiting.shift();
      if (!next) return;
      if (event.data.type === "error") next.reject(new Error(`${role}: ${event.data.message}`));
      else next.resolve(event.data);
    };
    this.#worker.onerror = (event) => {
      event.preventDefault();
      for (const w of this.#waiting.splice(0)) w.reject(new Error(`${role} crashed: ${event.message}`));
    };
  }

  call<T extends Reply["type"]>(request: Request, transfer: Transferable[] = []): Promise<Extract<Reply, { type: T }>> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve: resolve as (reply: Reply) => void, reject });
      this.#worker.postMessage(request, transfer);
    });
  }

  terminate(): void {
    this.#worker.terminate();
  }
}

/** [from, to) of each of `parts` contiguous, near-equal ranges covering 0 … n (some empty when n < parts). */
export function contiguousRanges(n: number, parts: number): [number, number][] {
  return Array.from({ length: parts }, (_, i) => [Math.floor((i * n) / parts), Math.floor(((i + 1) * n) / parts)]);
}
