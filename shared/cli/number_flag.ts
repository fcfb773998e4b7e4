/**
 * A numeric flag's value, checked: an integer (unless `integer: false`) within `[min, max]`, or a
 * one-line {@linkcode UsageError} naming the flag and what it must be.
 *
 * @module
 */
import { UsageError } from "./usage_error.ts";

/** The range a numeric flag must fall in. */
export interface NumberFlagRule {
  /** Default 0. */
  min?: number;
  max?: number;
  /** Default true. */
  integer?: boolean;
  /** What 0 (or another special value) means, added to the error. */
  note?: string;
}

/**
 * @example
 * ```ts
 * const k = numberFlag("k", values.k, { min: 1 }); // "--k must be an integer ≥ 1, got "x""
 * ```
 */
export function numberFlag(flag: string, value: string | undefined, rule: NumberFlagRule = {}): number {
  const { min = 0, max = Infinity, integer = true } = rule;
  const n = Number(value);
  if (
    value === undefined || value.trim() === "" || !Number.isFinite(n) || n < min || n > max ||
    (integer && !Number.isInteger(n))
  ) {
    const range = max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new UsageError(
      `--${flag} must be ${integer ? "an integer" : "a number"} ${range}${
        rule.note ? ` (${rule.note})` : ""
      }, got "${value}"`,
    );
  }
  return n;
}
