/**
 * Waiting for something another process will do: call `check` every `intervalMs` until it
 * returns a truthy value (an error counts as "not yet"), or fail after `timeoutMs` naming
 * what was awaited. Used by the demo and the end-to-end tests.
 *
 * @module
 */

/**
 * @example
 * ```ts
 * await pollUntil("inference to serve v2", async () => (await fetchJsonOrNull(url))?.model?.version === v2, { timeoutMs: 60_000 });
 * ```
 */
export async function pollUntil<T>(
  what: string,
  check: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  options: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await Promise.resolve().then(check).catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 250));
  }
}
