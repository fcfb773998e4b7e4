/**
 * The web UI each service serves: plain HTML pages and ES modules from `shared/web`, no
 * build step. `/ui/config.json` tells a page where the other service's pages are, so the
 * navigation spans inference (classify, training, model) and retrieval (search).
 *
 * @module
 */
import type { Env, Hono } from "hono";
import { dirname } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import { BundleMissingError, readBrowserBundle } from "./browser_bundle.ts";

/** The pages of the whole system and which service serves each. */
export const UI_PAGES = {
  classify: { title: "Classify", service: "inference" },
  training: { title: "Training", service: "inference" },
  model: { title: "Model", service: "inference" },
  search: { title: "Search", service: "retrieval" },
} as const;
/** A page name. */
export type UiPage = keyof typeof UI_PAGES;

/** Options of {@linkcode mountUi}. */
export interface UiOptions {
  service: "inference" | "retrieval";
  /** Base URL of the other service's UI, when known (`--retrieval-url`, `--inference-url`). */
  peerUrl?: string | null;
}

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".wasm": "application/wasm",
};

function typeOf(name: string): string {
  return TYPES[name.slice(name.lastIndexOf("."))] ?? "application/octet-stream";
}

/**
 * @example
 * ```ts
 * mountUi(app, { service: "inference", peerUrl: "http://localhost:8081" });
 * ```
 */
export function mountUi<E extends Env>(app: Hono<E>, options: UiOptions): void {
  const own = Object.entries(UI_PAGES).filter(([, p]) => p.service === options.service).map(([name]) => name);
  const webDir = new URL("./", import.meta.url);
  const file = (path: string, type: string) => async () =>
    new Response(await Deno.readFile(new URL(path, webDir)), { headers: { "content-type": type } });

  app.get("/", (c) => c.redirect(`/ui/${own[0]}`));
  for (const name of own) app.get(`/ui/${name}`, file(`pages/${name}.html`, TYPES[".html"]));
  app.get("/ui/assets/:file{[a-z_]+\\.(js|css)}", async (c) => {
    const name = c.req.param("file");
    try {
      return new Response(await Deno.readFile(new URL(`assets/${name}`, webDir)), {
        headers: { "content-type": typeOf(name) },
      });
    } catch {
      return c.json({ error: { code: "not_found", message: `no asset ${name}` } }, 404);
    }
  });
  app.get("/ui/config.json", (c) => {
    const peer = options.peerUrl?.replace(/\/$/, "") ?? null;
    const nav = Object.entries(UI_PAGES).flatMap(([name, page]) =>
      page.service === options.service
        ? [{ name, title: page.title, href: `/ui/${name}` }]
        : peer
        ? [{ name, title: page.title, href: `${peer}/ui/${name}` }]
        : []
    );
    return c.json({ service: options.service, nav });
  });
  if (options.service === "inference") {
    app.get("/ui/browser_classifier.js", async (c) => {
      try {
        return new Response(await readBrowserBundle() as BodyInit, { headers: { "content-type": TYPES[".js"] } });
      } catch (error) {
        if (!(error instanceof BundleMissingError)) throw error;
        return c.json({ error: { code: "not_built", message: error.message } }, 503);
      }
    });
    const wasmDir = dirname(fromFileUrl(import.meta.resolve("@tensorflow/tfjs-backend-wasm")));
    app.get(
      "/ui/vendor/tfjs-wasm/:file{tfjs-backend-wasm[a-z-]*\\.wasm}",
      async (c) =>
        new Response(await Deno.readFile(`${wasmDir}/${c.req.param("file")}`), {
          headers: { "content-type": TYPES[".wasm"] },
        }),
    );
  }
}
