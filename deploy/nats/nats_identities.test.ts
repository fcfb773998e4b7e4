import assert from "node:assert/strict";
import * as nkeys from "@nats-io/nkeys";
import { BUS_ROLES, natsIdentities } from "./nats_identities.ts";

Deno.test("identities are made once (owner-only seeds), then read back unchanged", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const made = await natsIdentities(dir, ["a:6222", "b:6222"]);
    for (const role of BUS_ROLES) {
      assert.equal((await Deno.stat(made.seeds[role])).mode! & 0o077, 0, `${role}.nk is owner-only`);
      const seed = new TextEncoder().encode((await Deno.readTextFile(made.seeds[role])).trim());
      assert.equal(nkeys.fromSeed(seed).getPublicKey(), made.env[`ALEXNET_NKEY_${role.toUpperCase()}`]);
    }
    assert.match(made.env.ALEXNET_NATS_ROUTE_PASSWORD, /^pw[0-9a-f]{36}$/);
    assert.equal(
      made.env.ALEXNET_NATS_ROUTES,
      `[nats-route://alexnet-route:${made.env.ALEXNET_NATS_ROUTE_PASSWORD}@a:6222, ` +
        `nats-route://alexnet-route:${made.env.ALEXNET_NATS_ROUTE_PASSWORD}@b:6222]`,
    );
    assert.deepEqual(await natsIdentities(dir), made, "a second call reads the same identities");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
