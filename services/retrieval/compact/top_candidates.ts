/**
 * The best `capacity` scored entries seen so far (a binary min-heap): the scan offers every
 * entry whose score beats {@linkcode TopCandidates.threshold}.
 *
 * @module
 */
export class TopCandidates {
  readonly capacity: number;
  readonly #scores: Float64Array;
  readonly #cells: Int32Array;
  readonly #rows: Int32Array;
  #size = 0;

  constructor(capacity: number) {
    this.capacity = Math.max(1, capacity);
    this.#scores = new Float64Array(this.capacity);
    this.#cells = new Int32Array(this.capacity);
    this.#rows = new Int32Array(this.capacity);
  }

  /** The score an entry must beat to enter (−∞ until full). */
  get threshold(): number {
    return this.#size < this.capacity ? -Infinity : this.#scores[0];
  }

  offer(score: number, cell: number, row: number): void {
    if (this.#size < this.capacity) {
      let i = this.#size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (this.#scores[parent] <= score) break;
        this.#move(parent, i);
        i = parent;
      }
      this.#put(i, score, cell, row);
    } else if (score > this.#scores[0]) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= this.#size) break;
        const child = left + 1 < this.#size && this.#scores[left + 1] < this.#scores[left] ? left + 1 : left;
        if (this.#scores[child] >= score) break;
        this.#move(child, i);
        i = child;
      }
      this.#put(i, score, cell, row);
    }
  }

  /** The entries, best first. */
  entries(): { score: number; cell: number; row: number }[] {
    const out = [];
    for (let i = 0; i < this.#size; i++) out.push({ score: this.#scores[i], cell: this.#cells[i], row: this.#rows[i] });
    return out.sort((a, b) => b.score - a.score);
  }

  #move(from: number, to: number): void {
    this.#put(to, this.#scores[from], this.#cells[from], this.#rows[from]);
  }

  #put(i: number, score: number, cell: number, row: number): void {
    this.#scores[i] = score;
    this.#cells[i] = cell;
    this.#rows[i] = row;
  }
}
