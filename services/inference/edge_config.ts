/**
 * The edge function's settings, read from the environment only (an edge platform has no command
 * line and no files of the deployer's): where the checkpoint is, which keys may sign it, and the
 * limits that keep one isolate inside its memory. Read once, validated with zod; a wrong value is
 * an {@linkcode EdgeConfigError} naming the variable.
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | `ALEXNET_CHECKPOINT` | checkpoint folder URL (`https://…/`, the inference service's `/v1/model/files/VERSION/`, a bucket prefix) or a folder path | required |
 * | `ALEXNET_TRUSTED_JWKS` | the trusted public keys inline: a JWK or a JSON array of JWKs (`keys:new` writes them) | required unless unsigned checkpoints are allowed |
 * | `ALEXNET_ALLOW_UNSIGNED` | `1`: also serve unsigned checkpoints (a bad signature is still refused) | off |
 * | `ALEXNET_TOPK` | default top-k | 5 |
 * | `ALEXNET_MAX_MEGAPIXELS` | refuse images with more pixels (from the header, before decoding) | 16 |
 * | `ALEXNET_MAX_BODY_MB` | request body limit | 10 |
 * | `ALEXNET_MAX_BATCH` | micro-batching: most images in one forward pass | 8 |
 * | `ALEXNET_MAX_QUEUED` | waiting requests before 503 | 32 |
 *
 * @module
 */
import { z } from "zod";

/** The environment variables the edge function reads (and may be granted `--allow-env` to). */
export const EDGE_ENV = [
  "ALEXNET_CHECKPOINT",
  "ALEXNET_TRUSTED_JWKS",
  "ALEXNET_ALLOW_UNSIGNED",
  "ALEXNET_TOPK",
  "ALEXNET_MAX_MEGAPIXELS",
  "ALEXNET_MAX_BODY_MB",
  "ALEXNET_MAX_BATCH",
  "ALEXNET_MAX_QUEUED",
] as const;

/** A setting that is missing or wrong. */
export class EdgeConfigError extends Error {
  override name = "EdgeConfigError";
}

/** The edge function's settings. */
export interface EdgeConfig {
  /** A folder URL (http/https) or a folder path. */
  checkpoint: string;
  trustedJwks: JsonWebKey[];
  allowUnsigned: boolean;
  topk: number;
  maxPixels: number;
  maxBodyBytes: number;
  maxBatch: number;
  maxQueued: number;
}

const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const EdgeEnvSchema = z.object({
  ALEXNET_CHECKPOINT: z.string({ error: "is not set; give the checkpoint's folder URL or path" }).min(1),
  ALEXNET_TRUSTED_JWKS: z.string().optional(),
  ALEXNET_ALLOW_UNSIGNED: z.enum(["0", "1", "true", "false"]).optional(),
  ALEXNET_TOPK: count(1, 1000).default(5),
  ALEXNET_MAX_MEGAPIXELS: z.coerce.number().positive().max(100).default(16),
  ALEXNET_MAX_BODY_MB: z.coerce.number().positive().max(100).default(10),
  ALEXNET_MAX_BATCH: count(1, 64).default(8),
  ALEXNET_MAX_QUEUED: count(0, 10_000).default(32),
});

const JwkSchema = z.object({ kty: z.string(), crv: z.string().optional(), x: z.string().optional() }).passthrough();

/**
 * The settings in `env` (a `Deno.env`-like getter).
 *
 * @example
 * ```ts
 * const config = readEdgeConfig((name) => Deno.env.get(name));
 * ```
 */
export function readEdgeConfig(env: (name: string) => string | undefined): EdgeConfig {
  const raw = Object.fromEntries(EDGE_ENV.map((name) => [name, env(name)]).filter(([, v]) => v !== undefined));
  const parsed = EdgeEnvSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EdgeConfigError(`${issue.path.join(".")} ${issue.message}`);
  }
  const v = parsed.data;
  const allowUnsigned = v.ALEXNET_ALLOW_UNSIGNED === "1" || v.ALEXNET_ALLOW_UNSIGNED === "true";
  let trustedJwks: JsonWebKey[] = [];
  if (v.ALEXNET_TRUSTED_JWKS) {
    try {
      const json = JSON.parse(v.ALEXNET_TRUSTED_JWKS);
      trustedJwks = z.array(JwkSchema).parse(Array.isArray(json) ? json : [json]) as JsonWebKey[];
    } catch (error) {
      throw new EdgeConfigError(
        `ALEXNET_TRUSTED_JWKS must be a public JWK or a JSON array of them: ${(error as Error).message.split("\n")[0]}`,
      );
    }
  }
  if (trustedJwks.length === 0 && !allowUnsigned) {
    throw new EdgeConfigError(
      "no checkpoint could ever be served: set ALEXNET_TRUSTED_JWKS (the trainer's public key) or ALEXNET_ALLOW_UNSIGNED=1",
    );
  }
  return {
    checkpoint: v.ALEXNET_CHECKPOINT,
    trustedJwks,
    allowUnsigned,
    topk: v.ALEXNET_TOPK,
    maxPixels: Math.round(v.ALEXNET_MAX_MEGAPIXELS * 1e6),
    maxBodyBytes: Math.round(v.ALEXNET_MAX_BODY_MB * 1024 * 1024),
    maxBatch: v.ALEXNET_MAX_BATCH,
    maxQueued: v.ALEXNET_MAX_QUEUED,
  };
}
