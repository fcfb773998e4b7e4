/**
 * The paper's learning-rate schedule (§5): "divide the learning rate by 10 when the
 * validation error rate stopped improving with the current learning rate". Here: when the
 * validation loss has not improved (by more than 1e-4) for `patience` epochs in a row.
 *
 * @module
 */

/**
 * @example
 * ```ts
 * const schedule = new PlateauSchedule(0.01, 2);
 * schedule.observe(0.69); // 0.01
 * ```
 */
export class PlateauSchedule {
  #learningRate: number;
  readonly #patience: number;
  #best = Infinity;
  #stale = 0;

  constructor(learningRate: number, patience: number) {
    this.#learningRate = learningRate;
    this.#patience = patience;
  }

  /** The learning rate for the next epoch. */
  get learningRate(): number {
    return this.#learningRate;
  }

  /**
   * Takes an epoch's validation loss; returns the learning rate for the next epoch, divided by
   * 10 after `patience` epochs without improvement (the count then starts again).
   */
  observe(valLoss: number): number {
    if (valLoss < this.#best - 1e-4) {
      this.#best = valLoss;
      this.#stale = 0;
    } else if (++this.#stale >= this.#patience) {
      this.#learningRate /= 10;
      this.#stale = 0;
    }
    return this.#learningRate;
  }
}
