import assert from "node:assert/strict";
import { Hono } from "hono";
import { UsageError } from "../cli/usage_error.ts";
import { applyCorsPolicy, corsOrigins } from "./cors_policy.ts";
import { requireToken, tokenOption, tokensMatch } from "./token_guard.ts";

const ADMIN = "admin-token-0123456789";
const WRITE = "write-token-0123456789";

function serve(app: Hono) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  return { base: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

Deno.test("a guarded endpoint answers 401 without a token, 403 with a wrong one, and runs with the right one", async () => {
  const app = new Hono();
  const configuredBy = "--admin-token";
  app.post("/admin", requireToken({ token: ADMIN, scope: "admin", configuredBy }), (c) => c.json({ ok: true }));
  app.post("/off", requireToken({ token: null, scope: "admin", configuredBy }), (c) => c.json({ ok: true }));
  app.post("/add", requireToken({ token: WRITE, scope: "write", configuredBy }), (c) => c.json({ ok: true }));
  app.post("/open", requireToken({ token: null, scope: "write", configuredBy }), (c) => c.json({ ok: true }));
  const { base, close } = serve(app);
  const post = async (path: string, authorization?: string) => {
    const res = await fetch(`${base}${path}`, { method: "POST", headers: authorization ? { authorization } : {} });
    return { status: res.status, challenge: res.headers.get("www-authenticate"), body: await res.json() };
  };
  try {
    const missing = await post("/admin");
    assert.equal(missing.status, 401);
    assert.equal(missing.body.error.code, "unauthorized");
    assert.match(missing.challenge ?? "", /^Bearer realm=/);
    assert.equal((await post("/admin", "Basic abc")).status, 401);
    const wrong = await post("/admin", `Bearer ${ADMIN}x`);
    assert.deepEqual([wrong.status, wrong.body.error.code], [403, "forbidden"]);
    assert.deepEqual(await post("/admin", `Bearer ${ADMIN}`), { status: 200, challenge: null, body: { ok: true } });
    assert.equal((await post("/admin", `Bearer ${WRITE}`)).status, 403, "the write token is not the admin token");
    const off = await post("/off", `Bearer ${ADMIN}`);
    assert.deepEqual([off.status, off.body.error.code], [403, "admin_disabled"]);
    assert.match(off.body.error.message, /--admin-token/);
    assert.equal((await post("/add")).status, 401);
    assert.equal((await post("/add", `Bearer ${WRITE}`)).status, 200);
    assert.equal((await post("/open")).status, 200, "adding is open when no write token is configured");
  } finally {
    await close();
  }
});

Deno.test("tokens compare equal only when identical, and short ones are refused", () => {
  assert.ok(tokensMatch(ADMIN, ADMIN));
  assert.ok(!tokensMatch(ADMIN, `${ADMIN} `));
  assert.ok(!tokensMatch("", ADMIN));
  assert.equal(tokenOption(undefined, "ALEXNET_NO_SUCH_TOKEN_VAR", "--admin-token"), null);
  assert.equal(tokenOption(ADMIN, "ALEXNET_NO_SUCH_TOKEN_VAR", "--admin-token"), ADMIN);
  assert.throws(() => tokenOption("short", "ALEXNET_NO_SUCH_TOKEN_VAR", "--admin-token"), UsageError);
});

Deno.test("cross-origin access is off unless origins are listed; listed ones may send Authorization", async () => {
  assert.deepEqual(corsOrigins("https://a.example.com,http://localhost:3000"), [
    "https://a.example.com",
    "http://localhost:3000",
  ]);
  assert.throws(() => corsOrigins("https://a.example.com/path"), UsageError);
  assert.throws(() => corsOrigins("not a url"), UsageError);
  for (const origins of [[], ["https://a.example.com"]]) {
    const app = new Hono();
    applyCorsPolicy(app, origins);
    app.get("/v1/models", (c) => c.json({ ok: true }));
    const { base, close } = serve(app);
    try {
      const preflight = await fetch(`${base}/v1/models`, {
        method: "OPTIONS",
        headers: {
          origin: "https://a.example.com",
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization",
        },
      });
      await preflight.body?.cancel();
      const allowed = preflight.headers.get("access-control-allow-origin");
      const other = await fetch(`${base}/v1/models`, { headers: { origin: "https://evil.example.com" } });
      await other.body?.cancel();
      if (origins.length === 0) assert.equal(allowed, null);
      else {
        assert.equal(allowed, "https://a.example.com");
        assert.match(preflight.headers.get("access-control-allow-headers") ?? "", /authorization/i);
      }
      assert.equal(other.headers.get("access-control-allow-origin"), null);
    } finally {
      await close();
    }
  }
});
