import assert from "node:assert/strict";
import { readCheckpointDir, writeCheckpointDir } from "./checkpoint_dir.ts";
import { addWeightShards, type CheckpointFiles, digestsOf, verifyCheckpoint } from "./checkpoint_files.ts";
import { CheckpointManifestSchema } from "./checkpoint_manifest.ts";
import {
  CheckpointSignatureError,
  checkSignature,
  generateSigningKeys,
  SIGNATURE_FILE,
  signCheckpoint,
  signerFromJwk,
  trustedKeysFromJwks,
  type TrustPolicy,
} from "./checkpoint_signature.ts";
import { sampleManifestInfo } from "./sample_manifest_info.ts";

/** A checkpoint as bytes: a model.json, one weight shard, a manifest with their digests. */
async function checkpoint(weights: Uint8Array, metrics: Record<string, unknown> = {}): Promise<CheckpointFiles> {
  const files: CheckpointFiles = new Map();
  addWeightShards(files, weights);
  files.set("model.json", new TextEncoder().encode(JSON.stringify({ weightsManifest: [] })));
  const manifest = CheckpointManifestSchema.parse({
    ...sampleManifestInfo({ name: "signed", classNames: ["a", "b"], metrics }),
    schema: "alexnet-edge/checkpoint@1",
    arch: "alexnet-owt",
    inputSize: 63,
    groups: 1,
    files: await digestsOf(files),
  });
  files.set("manifest.json", new TextEncoder().encode(JSON.stringify(manifest)));
  return files;
}

const trainer = await generateSigningKeys();
const stranger = await generateSigningKeys();
const policy: TrustPolicy = { trusted: await trustedKeysFromJwks([trainer.publicJwk]), allowUnsigned: false };
const refused = (pattern: RegExp) => (e: Error) => e instanceof CheckpointSignatureError && pattern.test(e.message);

Deno.test("a checkpoint signed by a trusted key is accepted, also after a trip through a folder", async () => {
  const signed = await signCheckpoint(
    await checkpoint(new Uint8Array([1, 2, 3])),
    await signerFromJwk(trainer.privateJwk),
  );
  assert.equal(await checkSignature(signed, policy), trainer.keyId);
  await verifyCheckpoint(signed); // the signature is beside the manifest, not in it
  const dir = await Deno.makeTempDir();
  await writeCheckpointDir(dir, signed);
  const read = await readCheckpointDir(dir);
  assert.ok(read.has(SIGNATURE_FILE));
  assert.equal(await checkSignature(read, policy), trainer.keyId);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("unsigned checkpoints are refused unless allowed; a bad signature never is", async () => {
  const unsigned = await checkpoint(new Uint8Array([1, 2, 3]));
  await assert.rejects(checkSignature(unsigned, policy), refused(/not signed/));
  assert.equal(await checkSignature(unsigned, { ...policy, allowUnsigned: true }), null);
  const byStranger = await signCheckpoint(unsigned, await signerFromJwk(stranger.privateJwk));
  await assert.rejects(
    checkSignature(byStranger, { ...policy, allowUnsigned: true }),
    refused(/not among the trusted/),
  );
});

Deno.test("forged, re-signed by a stranger, and tampered-after-signing checkpoints are refused", async () => {
  const signer = await signerFromJwk(trainer.privateJwk);
  const genuine = await signCheckpoint(await checkpoint(new Uint8Array([1, 2, 3]), { top1: 0.5 }), signer);

  // Forged: someone else's weights and manifest (correct digests) with the genuine signature copied over.
  const forged = await checkpoint(new Uint8Array([9, 9, 9]), { top1: 0.99 });
  forged.set(SIGNATURE_FILE, genuine.get(SIGNATURE_FILE)!);
  await verifyCheckpoint(forged); // intact by its digests …
  await assert.rejects(checkSignature(forged, policy), refused(/does not match manifest\.json/)); // … but not signed

  // Re-signed by a stranger: the genuine files, the stranger's signature.
  const resigned = await signCheckpoint(genuine, await signerFromJwk(stranger.privateJwk));
  await assert.rejects(checkSignature(resigned, policy), refused(new RegExp(`key ${stranger.keyId}, which is not`)));

  // Tampered after signing: a shard changed and the manifest's digests updated to match.
  const tampered = await checkpoint(new Uint8Array([1, 2, 4]), { top1: 0.5 });
  tampered.set(SIGNATURE_FILE, genuine.get(SIGNATURE_FILE)!);
  await assert.rejects(checkSignature(tampered, policy), refused(/changed after signing/));

  const malformed = new Map(genuine).set(SIGNATURE_FILE, new TextEncoder().encode("{not json"));
  await assert.rejects(checkSignature(malformed, policy), refused(/malformed/));
});
