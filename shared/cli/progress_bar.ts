/**
 * A one-line progress display for long jobs: count, rate, ETA (to stderr, redrawn in place
 * on a terminal, one line every few seconds otherwise).
 *
 * @module
 */

/** Options of {@linkcode ProgressBar}. */
export interface ProgressBarOptions {
  /** What is counted, e.g. "images". */
  unit: string;
  /** Where lines go; defaults to stderr. */
  write?: (text: string) => void;
  /** Redraw in place (`\r`) rather than print lines; defaults to whether stderr is a TTY. */
  inPlace?: boolean;
}

/** Formats seconds as `1h02m`, `3m05s` or `12s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

/**
 * @example
 * ```ts
 * const bar = new ProgressBar("decode", 2000, { unit: "images" });
 * bar.tick(32);
 * bar.done();
 * ```
 */
export class ProgressBar {
  readonly #label: string;
  readonly #total: number;
  readonly #unit: string;
  readonly #write: (text: string) => void;
  readonly #inPlace: boolean;
  readonly #start = performance.now();
  #count = 0;
  #lastLine = 0;
  #suffix = "";

  constructor(label: string, total: number, options: ProgressBarOptions) {
    this.#label = label;
    this.#total = total;
    this.#unit = options.unit;
    const encoder = new TextEncoder();
    this.#write = options.write ?? ((text) => Deno.stderr.writeSync(encoder.encode(text)));
    this.#inPlace = options.inPlace ?? Deno.stderr.isTerminal();
  }

  /** Items per second so far. */
  get rate(): number {
    const seconds = (performance.now() - this.#start) / 1000;
    return seconds > 0 ? this.#count / seconds : 0;
  }

  /** The current line, e.g. `train [#####.....] 512/1600 images 6.1 images/s ETA 2m58s loss 0.69`. */
  line(): string {
    const fraction = this.#total > 0 ? Math.min(1, this.#count / this.#total) : 1;
    const filled = Math.round(fraction * 20);
    const eta = this.rate > 0 ? (this.#total - this.#count) / this.rate : Infinity;
    const amount = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
    return `${this.#label} [${"#".repeat(filled)}${".".repeat(20 - filled)}] ${amount(this.#count)}/${
      amount(this.#total)
    } ` +
      `${this.#unit} ${this.rate.toFixed(1)} ${this.#unit}/s ETA ${formatDuration(eta)}${this.#suffix}`;
  }

  /** Adds `n` finished items; `suffix` (e.g. the running loss) is shown after the ETA. */
  tick(n = 1, suffix?: string): void {
    this.#count += n;
    if (suffix !== undefined) this.#suffix = ` ${suffix}`;
    const now = performance.now();
    if (this.#inPlace) this.#write(`\r${this.line()}\x1b[K`);
    else if (now - this.#lastLine > 5000 || this.#count >= this.#total) {
      this.#lastLine = now;
      this.#write(`${this.line()}\n`);
    }
  }

  /** Ends the line; returns the elapsed seconds. */
  done(): number {
    if (this.#inPlace) this.#write("\n");
    return (performance.now() - this.#start) / 1000;
  }
}
