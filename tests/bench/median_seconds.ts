/**
 * How the bench times things: warm-up runs, then the median of several timed runs.
 *
 * @module
 */

/**
 * Median seconds of `fn` over `repeats` runs after `warmup` runs.
 *
 * @example
 * ```ts
 * const seconds = await medianSeconds(() => model.logits(x), 1, 3);
 * ```
 */
export async function medianSeconds(fn: () => Promise<unknown>, warmup: number, repeats: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await fn();
    times.push((performance.now() - t) / 1000);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}
