/**
 * Signing keys on disk: `deno task keys:new` writes a pair of JWK files, the trainer reads its
 * private key (`--signing-key FILE`), and services read the public keys they trust
 * (`--trusted-keys FILE|DIR,…`; a folder means every `*.public.jwk` in it).
 *
 * @module
 */
import { join } from "node:path";
import { UsageError } from "../cli/usage_error.ts";
import {
  type CheckpointSigner,
  generateSigningKeys,
  signerFromJwk,
  trustedKeysFromJwks,
  type TrustPolicy,
} from "./checkpoint_signature.ts";

async function readJwk(path: string): Promise<JsonWebKey> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    throw new UsageError(`cannot read the key file ${path}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${path} is not a JWK (JSON) key file`);
  }
}

/**
 * Writes `NAME.private.jwk` (readable by its owner only) and `NAME.public.jwk` into `dir`.
 *
 * @example
 * ```ts
 * const { keyId } = await writeKeyPair("keys", "trainer");
 * ```
 */
export async function writeKeyPair(
  dir: string,
  name: string,
): Promise<{ keyId: string; privatePath: string; publicPath: string }> {
  const { privateJwk, publicJwk, keyId } = await generateSigningKeys();
  await Deno.mkdir(dir, { recursive: true });
  const privatePath = join(dir, `${name}.private.jwk`), publicPath = join(dir, `${name}.public.jwk`);
  await Deno.writeTextFile(privatePath, JSON.stringify({ ...privateJwk, kid: keyId }, null, 2) + "\n", {
    mode: 0o600,
    createNew: true,
  }).catch((error) => {
    throw error instanceof Deno.errors.AlreadyExists
      ? new UsageError(`${privatePath} exists; choose another --name or folder (keys are never overwritten)`)
      : error;
  });
  await Deno.writeTextFile(publicPath, JSON.stringify({ ...publicJwk, kid: keyId }, null, 2) + "\n");
  return { keyId, privatePath, publicPath };
}

/** The signer in a private JWK file. */
export async function readSigningKey(path: string): Promise<CheckpointSigner> {
  try {
    return await signerFromJwk(await readJwk(path));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${path} is not an Ed25519 private key: ${(error as Error).message}`);
  }
}

/** One log line saying what a trust policy accepts. */
export function describeTrust(policy: TrustPolicy): string {
  const keys = [...policy.trusted.keys()];
  return `checkpoints: signed by ${keys.length ? `key ${keys.join(", ")}` : "no trusted key"}` +
    (policy.allowUnsigned ? ", or unsigned (--allow-unsigned)" : "; unsigned ones refused");
}

/**
 * The `--help` lines of `--trusted-keys` and `--allow-unsigned`; `use` says what a trusted
 * checkpoint is used for ("are served", "embed images").
 */
export function trustFlagsHelp(use: string): string {
  return [
    `  --trusted-keys LIST   public keys (JWK files, or folders of *.public.jwk) whose signed checkpoints ${use};`,
    "                        any other checkpoint is refused (or ALEXNET_TRUSTED_KEYS)",
    "  --allow-unsigned      also accept unsigned checkpoints (local experiments; a bad signature is still refused)",
    "                        (or ALEXNET_ALLOW_UNSIGNED=1)",
  ].join("\n");
}

/**
 * What `--trusted-keys LIST` and `--allow-unsigned` say, else `ALEXNET_TRUSTED_KEYS` (a comma
 * list) and `ALEXNET_ALLOW_UNSIGNED=1` (for containers, where flags are baked into the image).
 */
export function trustFlags(
  trustedKeys: string | undefined,
  allowUnsigned: boolean | undefined,
  env: (name: string) => string | undefined = (name) => Deno.env.get(name) || undefined,
): { trustedKeys: string[]; allowUnsigned: boolean } {
  const list = trustedKeys ?? env("ALEXNET_TRUSTED_KEYS") ?? "";
  const allow = allowUnsigned ?? ["1", "true", "yes"].includes(env("ALEXNET_ALLOW_UNSIGNED")?.toLowerCase() ?? "");
  return { trustedKeys: list.split(",").map((p) => p.trim()).filter(Boolean), allowUnsigned: allow };
}

/**
 * The trust policy of a service: the public keys in `paths` (files, or folders of
 * `*.public.jwk`), and whether unsigned checkpoints are accepted.
 *
 * @example
 * ```ts
 * const policy = await readTrustPolicy(["keys/trainer.public.jwk"], false);
 * ```
 */
export async function readTrustPolicy(paths: readonly string[], allowUnsigned: boolean): Promise<TrustPolicy> {
  if (paths.length === 0 && !allowUnsigned) {
    throw new UsageError(
      "no checkpoint could ever be served: give --trusted-keys FILE (deno task keys:new makes a pair) or --allow-unsigned",
    );
  }
  const files: string[] = [];
  for (const path of paths) {
    const info = await Deno.stat(path).catch(() => null);
    if (!info) throw new UsageError(`--trusted-keys: ${path} does not exist`);
    if (!info.isDirectory) files.push(path);
    else {
      for await (const entry of Deno.readDir(path)) {
        if (entry.isFile && entry.name.endsWith(".public.jwk")) files.push(join(path, entry.name));
      }
    }
  }
  try {
    return { trusted: await trustedKeysFromJwks(await Promise.all(files.map(readJwk))), allowUnsigned };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--trusted-keys: ${(error as Error).message}`);
  }
}
