/**
 * Builds the browser bundle of {@linkcode loadBrowserClassifier} with `deno bundle` the first
 * time a page asks for it, and keeps it in memory: the services need no build step, and the
 * browser runs the same layer code as the server.
 *
 * @module
 */
import { fileURLToPath as fromFileUrl } from "node:url";

let bundle: Promise<Uint8Array> | undefined;

/** The bundled ES module (built once per process). */
export function buildBrowserBundle(): Promise<Uint8Array> {
  bundle ??= (async () => {
    const out = await Deno.makeTempFile({ suffix: ".js" });
    const entry = fromFileUrl(new URL("./browser_classifier.ts", import.meta.url));
    const config = fromFileUrl(new URL("../../deno.json", import.meta.url));
    const { success, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--quiet", "--config", config, "--platform", "browser", "--minify", "--output", out, entry],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!success) {
      bundle = undefined;
      throw new Error(`deno bundle failed: ${new TextDecoder().decode(stderr).trim().split("\n").at(-1)}`);
    }
    const bytes = await Deno.readFile(out);
    await Deno.remove(out);
    return bytes;
  })();
  return bundle;
}
