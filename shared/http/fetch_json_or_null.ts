/**
 * GET a JSON body, or null when the request fails or the status is not 2xx (the body is
 * then drained): for status probes that poll a service that may not be up yet.
 *
 * @module
 */

/**
 * @example
 * ```ts
 * const status = await fetchJsonOrNull("http://127.0.0.1:8081/v1/status");
 * ```
 */
// deno-lint-ignore no-explicit-any
export async function fetchJsonOrNull(url: string): Promise<any | null> {
  try {
    const response = await fetch(url);
    if (response.ok) return await response.json();
    await response.body?.cancel();
    return null;
  } catch {
    return null;
  }
}
