/**
 * Signed checkpoints: digests prove a checkpoint is intact, a signature proves who made it.
 * The trainer signs the exact bytes of `manifest.json` with Ed25519 (WebCrypto) — the manifest
 * lists the sha256 of every other file, so the signature covers them all — into
 * `signature.json` beside it. A reader trusts a list of public keys; an unsigned checkpoint,
 * one signed by a key it does not trust, or one whose signature does not match its manifest is
 * refused, unless it allows unsigned ones (local experiments), which still refuses bad or
 * unknown signatures.
 *
 * Keys are JWK files: `NAME.private.jwk` (the trainer's, mode 0600) and `NAME.public.jwk`.
 *
 * @module
 */
import { type CheckpointFiles, sha256Hex } from "./checkpoint_files.ts";

/** The signature's file name in a checkpoint (folder or object store). */
export const SIGNATURE_FILE = "signature.json";

/** A checkpoint refused for its signature: unsigned, signed by an unknown key, or not matching. */
export class CheckpointSignatureError extends Error {
  override name = "CheckpointSignatureError";
}

/** A private key ready to sign, and the id of its public half. */
export interface CheckpointSigner {
  keyId: string;
  privateKey: CryptoKey;
}

/** Which signatures a reader accepts. */
export interface TrustPolicy {
  /** Public keys by key id. */
  trusted: ReadonlyMap<string, CryptoKey>;
  /** Accept checkpoints with no signature at all (signed ones must still verify). */
  allowUnsigned: boolean;
}

interface SignatureRecord {
  schema: "alexnet-edge/checkpoint-signature@1";
  algorithm: "Ed25519";
  keyId: string;
  signature: string;
}

const ALGORITHM = { name: "Ed25519" } as const;

function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
}

function fromBase64Url(text: string): Uint8Array {
  return fromBase64(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));
}

/** The id of a public key: the first 16 hex digits of the sha256 of its 32 raw bytes. */
export async function keyIdOf(publicJwk: JsonWebKey): Promise<string> {
  if (publicJwk.kty !== "OKP" || publicJwk.crv !== "Ed25519" || !publicJwk.x) {
    throw new CheckpointSignatureError("not an Ed25519 public key (JWK with kty OKP, crv Ed25519)");
  }
  return (await sha256Hex(fromBase64Url(publicJwk.x))).slice(0, 16);
}

/**
 * A new key pair as JWKs, and its key id.
 *
 * @example
 * ```ts
 * const { privateJwk, publicJwk, keyId } = await generateSigningKeys();
 * ```
 */
export async function generateSigningKeys(): Promise<{ privateJwk: JsonWebKey; publicJwk: JsonWebKey; keyId: string }> {
  const pair = await crypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]) as CryptoKeyPair;
  const privateJwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  const publicJwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  return { privateJwk, publicJwk, keyId: await keyIdOf(publicJwk) };
}

/** A signer from a private JWK (which carries its public `x`). */
export async function signerFromJwk(privateJwk: JsonWebKey): Promise<CheckpointSigner> {
  if (!privateJwk.d) throw new CheckpointSignatureError("the key is not a private key (no `d`)");
  const { d: _d, key_ops: _ops, ...publicJwk } = privateJwk;
  const privateKey = await crypto.subtle.importKey("jwk", privateJwk, ALGORITHM, false, ["sign"]);
  return { keyId: await keyIdOf(publicJwk), privateKey };
}

/** Public keys by id, from public JWKs. */
export async function trustedKeysFromJwks(jwks: JsonWebKey[]): Promise<Map<string, CryptoKey>> {
  const keys = new Map<string, CryptoKey>();
  for (const jwk of jwks) {
    const { d: _d, key_ops: _ops, ...publicJwk } = jwk;
    keys.set(await keyIdOf(publicJwk), await crypto.subtle.importKey("jwk", publicJwk, ALGORITHM, false, ["verify"]));
  }
  return keys;
}

/**
 * The checkpoint with `signature.json` added (any earlier signature replaced).
 *
 * @example
 * ```ts
 * const signed = await signCheckpoint(files, await signerFromJwk(privateJwk));
 * ```
 */
export async function signCheckpoint(files: CheckpointFiles, signer: CheckpointSigner): Promise<CheckpointFiles> {
  const manifest = files.get("manifest.json");
  if (!manifest) throw new CheckpointSignatureError("a checkpoint without manifest.json cannot be signed");
  const signature = new Uint8Array(
    await crypto.subtle.sign(ALGORITHM, signer.privateKey, manifest as Uint8Array<ArrayBuffer>),
  );
  const record: SignatureRecord = {
    schema: "alexnet-edge/checkpoint-signature@1",
    algorithm: "Ed25519",
    keyId: signer.keyId,
    signature: base64(signature),
  };
  return new Map([...files, [SIGNATURE_FILE, new TextEncoder().encode(JSON.stringify(record, null, 2))]]);
}

/**
 * Checks `files` against `policy`; returns the signing key id (null: unsigned and allowed), or
 * throws a {@linkcode CheckpointSignatureError} saying why it is refused.
 */
export async function checkSignature(files: CheckpointFiles, policy: TrustPolicy): Promise<string | null> {
  const raw = files.get(SIGNATURE_FILE);
  if (!raw) {
    if (policy.allowUnsigned) return null;
    throw new CheckpointSignatureError(
      "the checkpoint is not signed; sign it (train --signing-key) or accept unsigned ones with --allow-unsigned",
    );
  }
  let record: SignatureRecord;
  try {
    record = JSON.parse(new TextDecoder().decode(raw));
    if (record.algorithm !== "Ed25519" || typeof record.keyId !== "string" || typeof record.signature !== "string") {
      throw new Error("unexpected fields");
    }
  } catch (error) {
    throw new CheckpointSignatureError(`${SIGNATURE_FILE} is malformed: ${(error as Error).message}`);
  }
  const key = policy.trusted.get(record.keyId);
  if (!key) {
    throw new CheckpointSignatureError(
      `the checkpoint is signed by key ${record.keyId}, which is not among the trusted keys (--trusted-keys)`,
    );
  }
  const manifest = files.get("manifest.json") ?? new Uint8Array(0);
  const valid = await crypto.subtle.verify(
    ALGORITHM,
    key,
    fromBase64(record.signature) as Uint8Array<ArrayBuffer>,
    manifest as Uint8Array<ArrayBuffer>,
  );
  if (!valid) {
    throw new CheckpointSignatureError(
      `the signature by key ${record.keyId} does not match manifest.json: the checkpoint was changed after signing`,
    );
  }
  return record.keyId;
}
