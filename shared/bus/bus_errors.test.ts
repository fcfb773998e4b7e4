import assert from "node:assert/strict";
import { NatsServerProcess } from "../../deploy/local/nats_server_process.ts";
import { pollUntil } from "../cli/poll_until.ts";
import { followConnection, isBusUnavailable, isPermissionViolation } from "./bus_errors.ts";
import { connectBus } from "./connect_bus.ts";

Deno.test("bus errors: unreachable (worth a retry) is told apart from refused and from anything else", () => {
  for (const code of ["TIMEOUT", "503", "DISCONNECT", "CONNECTION_CLOSED"]) {
    assert.ok(isBusUnavailable(Object.assign(new Error("x"), { code })), code);
  }
  assert.ok(isBusUnavailable(new Error("JetStream system temporarily unavailable")));
  assert.ok(!isBusUnavailable(new Error("stream not found")));
  assert.ok(!isBusUnavailable(Object.assign(new Error("p"), { code: "PERMISSIONS_VIOLATION" })));
  assert.ok(isPermissionViolation(Object.assign(new Error("p"), { code: "PERMISSIONS_VIOLATION" })));
  assert.ok(!isPermissionViolation(null));
});

Deno.test("followConnection sees a SIGKILLed server go and come back", async () => {
  const nats = await NatsServerProcess.start();
  const nc = await connectBus(nats.url, "follow");
  try {
    const link = followConnection(nc);
    assert.equal(link.connected, true);
    await nats.stop({ signal: "SIGKILL" });
    await pollUntil("the disconnect to be seen", () => Promise.resolve(!link.connected), { timeoutMs: 10_000 });
    await nats.restart();
    await pollUntil("the reconnect to be seen", () => Promise.resolve(link.connected), { timeoutMs: 20_000 });
  } finally {
    await nc.close();
    await nats.stop({ removeStore: true });
  }
});
