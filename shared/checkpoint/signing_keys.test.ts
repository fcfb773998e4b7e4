import assert from "node:assert/strict";
import { join } from "node:path";
import { UsageError } from "../cli/usage_error.ts";
import { readSigningKey, readTrustPolicy, trustFlags, writeKeyPair } from "./signing_keys.ts";

Deno.test("a key pair written to a folder is trusted by folder and by file, and never overwritten", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { keyId, privatePath, publicPath } = await writeKeyPair(dir, "trainer");
    assert.equal((await Deno.stat(privatePath)).mode! & 0o077, 0, "the private key is readable by its owner only");
    assert.equal((await readSigningKey(privatePath)).keyId, keyId);
    assert.deepEqual([...(await readTrustPolicy([dir], false)).trusted.keys()], [keyId]);
    assert.deepEqual([...(await readTrustPolicy([publicPath], true)).trusted.keys()], [keyId]);
    await assert.rejects(
      writeKeyPair(dir, "trainer"),
      (e: Error) => e instanceof UsageError && /exists/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a service with no trusted key and unsigned refused is told so before it starts", async () => {
  await assert.rejects(
    readTrustPolicy([], false),
    (e: Error) => e instanceof UsageError && /--trusted-keys.*--allow-unsigned/.test(e.message),
  );
  assert.equal((await readTrustPolicy([], true)).trusted.size, 0);
  await assert.rejects(readTrustPolicy([join(Deno.cwd(), "no-such-key.jwk")], false), /does not exist/);
});

Deno.test("trust comes from the flags, else from ALEXNET_TRUSTED_KEYS and ALEXNET_ALLOW_UNSIGNED", () => {
  const env = (name: string) => ({ ALEXNET_TRUSTED_KEYS: "a.jwk, keys/", ALEXNET_ALLOW_UNSIGNED: "1" })[name];
  assert.deepEqual(trustFlags(undefined, undefined, env), { trustedKeys: ["a.jwk", "keys/"], allowUnsigned: true });
  assert.deepEqual(trustFlags("b.jwk", false, env), { trustedKeys: ["b.jwk"], allowUnsigned: false });
  assert.deepEqual(trustFlags(undefined, undefined, () => undefined), { trustedKeys: [], allowUnsigned: false });
});
