import assert from "node:assert/strict";
import { createAccount, createUser } from "@nats-io/nkeys";
import { UsageError } from "../../cli/usage_error.ts";
import { busConnectOptions, busIdentityFlags, busIdentityFrom } from "./bus_identity.ts";

const noEnv = () => undefined;
const usage = (pattern: RegExp) => (e: Error) => e instanceof UsageError && pattern.test(e.message);

Deno.test("identity flags: one way to log in, each prefix with its own environment variables", () => {
  assert.deepEqual(Object.keys(busIdentityFlags("admin-nats")).sort(), [
    "admin-nats-creds",
    "admin-nats-nkey",
    "admin-nats-password",
    "admin-nats-tls-ca",
    "admin-nats-tls-cert",
    "admin-nats-tls-key",
    "admin-nats-user",
  ]);
  assert.equal(busIdentityFrom({}, "nats", noEnv), undefined, "no flags: anonymous");
  assert.deepEqual(busIdentityFrom({ "nats-nkey": "a.nk" }, "nats", noEnv)?.nkey, "a.nk");
  const env = (name: string) => ({ NATS_USER: "svc", NATS_PASSWORD: "pw", NATS_TLS_CA: "ca.pem" })[name];
  assert.deepEqual(busIdentityFrom({}, "nats", env), {
    creds: undefined,
    nkey: undefined,
    user: "svc",
    password: "pw",
    tls: { ca: "ca.pem", cert: undefined, key: undefined },
  });
  assert.equal(busIdentityFrom({}, "admin-nats", env), undefined, "the admin identity never comes from NATS_*");
  assert.equal(
    busIdentityFrom({}, "admin-nats", (name) => ({ ADMIN_NATS_NKEY: "admin.nk" })[name])?.nkey,
    "admin.nk",
    "but from ADMIN_NATS_*",
  );
  assert.throws(() => busIdentityFrom({ "nats-nkey": "a", "nats-creds": "b" }, "nats", noEnv), usage(/one of/));
  assert.throws(() => busIdentityFrom({ "nats-password": "p" }, "nats", noEnv), usage(/needs --nats-user/));
  assert.throws(() => busIdentityFrom({ "nats-user": "u" }, "nats", noEnv), usage(/needs a password/));
  assert.throws(() => busIdentityFrom({ "nats-tls-cert": "c" }, "nats", noEnv), usage(/go together/));
});

Deno.test("connect options read the files they name and refuse a seed that is not a user's", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const user = `${dir}/user.nk`, account = `${dir}/account.nk`;
    await Deno.writeTextFile(user, new TextDecoder().decode(createUser().getSeed()) + "\n");
    await Deno.writeTextFile(account, new TextDecoder().decode(createAccount().getSeed()));
    assert.equal(typeof (await busConnectOptions({ nkey: user })).authenticator, "function");
    await assert.rejects(busConnectOptions({ nkey: account }), usage(/does not hold an nkey user seed/));
    await assert.rejects(busConnectOptions({ nkey: `${dir}/missing.nk` }), usage(/cannot read the nkey seed file/));
    await assert.rejects(busConnectOptions({ tls: { ca: `${dir}/ca.pem` } }), usage(/cannot read the TLS CA/));
    assert.deepEqual(await busConnectOptions({ user: "u", password: "p" }), { user: "u", pass: "p" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
