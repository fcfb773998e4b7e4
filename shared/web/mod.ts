/**
 * The web pages both services serve (plain HTML and ES modules, no build step) and the
 * in-browser classifier, bundled on first request.
 *
 * @example
 * ```ts
 * import { mountUi } from "../../shared/web/mod.ts";
 * mountUi(app, { service: "inference", peerUrl: "http://localhost:8081" });
 * ```
 *
 * @module
 */
export { mountUi, UI_PAGES, type UiOptions, type UiPage } from "./ui_routes.ts";
export { BROWSER_BUNDLE_URL, buildBrowserBundle, BundleMissingError, readBrowserBundle } from "./browser_bundle.ts";
