/**
 * The browser bundle of {@linkcode loadBrowserClassifier}: built by `deno task web:bundle` (this
 * module run as a program: `deno bundle` into `shared/web/dist/`), which `deno task test`, `up`
 * and `demo` run first, and only read by the services — so a service needs neither a subprocess
 * nor a writable folder to serve it. The browser runs the same layer code as the server.
 *
 * @module
 */
import { fileURLToPath as fromFileUrl } from "node:url";

/** Where the bundle is written and read. */
export const BROWSER_BUNDLE_URL = new URL("./dist/browser_classifier.js", import.meta.url);

/** A service asked for the bundle before anyone built it. */
export class BundleMissingError extends Error {
  override name = "BundleMissingError";
}

/**
 * Builds the bundle with `deno bundle` (needs permission to run Deno and to write `dist/`).
 *
 * @example
 * ```ts
 * await buildBrowserBundle();
 * ```
 */
export async function buildBrowserBundle(): Promise<void> {
  const entry = fromFileUrl(new URL("./browser_classifier.ts", import.meta.url));
  const config = fromFileUrl(new URL("../../deno.json", import.meta.url));
  const out = fromFileUrl(BROWSER_BUNDLE_URL);
  const { success, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--config", config, "--platform", "browser", "--minify", "--output", out, entry],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!success) {
    throw new Error(`deno bundle failed: ${new TextDecoder().decode(stderr).trim().split("\n").at(-1)}`);
  }
}

let bundle: Promise<Uint8Array> | undefined;

/** The built bundle (read once per process), or a {@linkcode BundleMissingError} saying how to build it. */
export function readBrowserBundle(): Promise<Uint8Array> {
  bundle ??= Deno.readFile(BROWSER_BUNDLE_URL).catch((error) => {
    bundle = undefined;
    if (error instanceof Deno.errors.NotFound) {
      throw new BundleMissingError("the in-browser classifier is not built; run `deno task web:bundle` once");
    }
    throw error;
  });
  return bundle;
}

if (import.meta.main) {
  await buildBrowserBundle();
  console.error(`wrote ${fromFileUrl(BROWSER_BUNDLE_URL)}`);
}
