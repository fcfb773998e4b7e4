/**
 * A seeded random source (seedrandom's Alea) with the draws augmentation and shuffling need,
 * so a `--seed` reproduces a run.
 *
 * @module
 */
import seedrandom from "seedrandom";

/**
 * @example
 * ```ts
 * const rng = new SeededRandom(42);
 * rng.normal(0, 0.1);
 * ```
 */
export class SeededRandom {
  readonly #next: () => number;

  constructor(seed: number | string) {
    this.#next = seedrandom.alea(String(seed));
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.#next();
  }

  /** Integer uniform in [0, n). */
  int(n: number): number {
    return Math.floor(this.#next() * n);
  }

  /** Gaussian via Box–Muller. */
  normal(mean = 0, std = 1): number {
    const u = 1 - this.#next();
    const v = this.#next();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle of a copy. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}
