/**
 * The edge function: a module for `deno serve` (`export default { fetch }`) answering the
 * inference service's `/v1/classify`, `/v1/classify/batch`, `/healthz`, `/readyz` and
 * `/openapi.json`, configured by the environment only (`edge_config.ts` lists the variables).
 *
 * ```sh
 * ALEXNET_CHECKPOINT=https://models.example.com/cats-dogs/V/ ALEXNET_TRUSTED_JWKS="$(cat keys/trainer.public.jwk)" \
 *   deno task serve:edge
 * ```
 *
 * @module
 */
import { createEdgeApp } from "./edge_app.ts";
import { EdgeConfigError, readEdgeConfig } from "./edge_config.ts";

function config() {
  try {
    return readEdgeConfig((name) => Deno.env.get(name));
  } catch (error) {
    if (!(error instanceof EdgeConfigError)) throw error;
    console.error(`[edge] misconfigured: ${error.message}`);
    return error;
  }
}

const app = createEdgeApp(config());

export default { fetch: app.fetch } satisfies Deno.ServeDefaultExport;
