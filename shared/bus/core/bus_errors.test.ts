import assert from "node:assert/strict";
import { errors } from "@nats-io/nats-core";
import { NatsServerProcess } from "../../nats_server/mod.ts";
import { pollUntil } from "../../cli/poll_until.ts";
import { followConnection, isBusUnavailable, isPermissionViolation } from "./bus_errors.ts";
import { connectBus } from "./connect_bus.ts";

Deno.test("bus errors: unreachable (worth a retry) is told apart from refused and from anything else", () => {
  const noResponders = new errors.RequestError("no responders", { cause: new errors.NoRespondersError("a.b") });
  for (const error of [new errors.TimeoutError(), noResponders, new errors.ClosedConnectionError()]) {
    assert.ok(isBusUnavailable(error), error.name);
  }
  // JetStream's API errors carry the status in `status` (their `code` is JetStream's own number): duck-typed, since
  // this layer is below @nats-io/jetstream.
  assert.ok(isBusUnavailable(Object.assign(new Error("api"), { name: "JetStreamApiError", status: 503, code: 10039 })));
  assert.ok(
    !isBusUnavailable(Object.assign(new Error("api"), { name: "JetStreamApiError", status: 404, code: 10059 })),
  );
  assert.ok(isBusUnavailable(new Error("JetStream system temporarily unavailable")));
  assert.ok(!isBusUnavailable(new Error("stream not found")));
  const refused = new errors.PermissionViolationError("denied", "publish", "alexnet.x");
  assert.ok(!isBusUnavailable(refused));
  assert.ok(isPermissionViolation(refused));
  assert.ok(isPermissionViolation(new errors.RequestError("r", { cause: refused })), "found among the causes");
  assert.ok(!isPermissionViolation(new Error("denied")));
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
