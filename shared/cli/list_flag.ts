/**
 * A flag that lists names (`--variants default,reduced`): split on commas, blanks dropped, each
 * checked against the names allowed, or a one-line {@linkcode UsageError} naming the first
 * unknown one and the choices.
 *
 * @module
 */
import { UsageError } from "./usage_error.ts";

/**
 * @example
 * ```ts
 * listFlag("variant", "default,nope", ["default", "reduced"]); // "unknown variant nope; choose from default, reduced"
 * ```
 */
export function listFlag(what: string, value: string, allowed: readonly string[]): string[] {
  const names = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const unknown = names.find((name) => !allowed.includes(name));
  if (unknown !== undefined) throw new UsageError(`unknown ${what} ${unknown}; choose from ${allowed.join(", ")}`);
  return names;
}
