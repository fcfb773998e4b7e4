/**
 * The bus with identities, against a real nats-server running `deploy/nats/auth.conf`:
 * anonymous and unknown clients are refused; each role can do its own part and nothing more
 * (inference and retrieval cannot publish a checkpoint or change a pin, the trainer cannot
 * change a pin or submit a job); the inference service's HTTP promote is refused by NATS
 * under its own identity and works with a separate admin identity. And TLS with a user and
 * password: a client must trust the server's CA and present its own certificate.
 */
import assert from "node:assert/strict";
import { jetstream } from "@nats-io/jetstream";
import { createUser } from "@nats-io/nkeys";
import { taskArgs } from "../shared/cli/mod.ts";
import { fileURLToPath } from "node:url";
import { NatsServerProcess } from "../shared/nats_server/mod.ts";
import { type BusRole, natsIdentities } from "../deploy/nats/nats_identities.ts";
import { selectBackend } from "../shared/backend/mod.ts";
import {
  CHECKPOINT_PUBLISHED,
  connectBus,
  fetchCheckpoint,
  INFERENCE_SERVICE,
  isPermissionViolation,
  modelPins,
  type NatsConnection,
  pinnedVersion,
  promoteVersion,
  publishCheckpoint,
  RETRIEVAL_SERVICE,
  SERVICES_VERSION,
  startMicroService,
  submitTrainJob,
} from "../shared/bus/mod.ts";
import { pollUntil, UsageError } from "../shared/cli/mod.ts";
import { fetchJsonOrNull } from "../shared/http/mod.ts";
import { operatorMode } from "./fixtures/operator_mode.ts";
import { spawnService } from "./fixtures/spawn_service.ts";
import { tinyCheckpoint } from "./fixtures/tiny_checkpoint.ts";

await selectBackend("wasm");

const AUTH_CONF = fileURLToPath(new URL("../deploy/nats/auth.conf", import.meta.url));

const versionFiles = (version: string) => tinyCheckpoint("ids", version);

/** A server with the deployment's permissions, its identities, and the lines it logged. */
async function authServer() {
  const ids = await natsIdentities(await Deno.makeTempDir({ prefix: "alexnet-ids-" }));
  const log: string[] = [];
  const server = await NatsServerProcess.start({ config: AUTH_CONF, env: ids.env, log: (l) => log.push(l) });
  const as = (role: BusRole) => connectBus(server.url, `test-${role}`, { nkey: ids.seeds[role] });
  return { ids, server, log, as };
}

const refusedByNats = (error: unknown) => isPermissionViolation(error);

Deno.test("auth.conf: strangers are refused, and each role may do its part and nothing more", async () => {
  const { ids, server, as } = await authServer();
  const open: NatsConnection[] = [];
  try {
    await assert.rejects(
      connectBus(server.url, "anonymous"),
      (e: Error) => e instanceof UsageError && /refused an anonymous connection/.test(e.message),
    );
    const stranger = `${await Deno.makeTempDir()}/stranger.nk`;
    await Deno.writeTextFile(stranger, new TextDecoder().decode(createUser().getSeed()));
    await assert.rejects(
      connectBus(server.url, "stranger", { nkey: stranger }),
      (e: Error) => e instanceof UsageError && /refused these credentials/.test(e.message),
    );

    const [trainer, inference, retrieval, admin] = await Promise.all(
      (["trainer", "inference", "retrieval", "admin"] as const).map(as),
    );
    open.push(trainer, inference, retrieval, admin);
    const v1 = await versionFiles("20261130T000000Z-ids-e001");
    const published = await publishCheckpoint(trainer, v1, { runId: "r", epoch: 1, best: true });
    assert.equal(published.version, "20261130T000000Z-ids-e001", "the trainer publishes checkpoints");

    for (const [role, nc] of [["inference", inference], ["retrieval", retrieval]] as const) {
      assert.equal((await fetchCheckpoint(nc, "ids")).size, v1.size, `${role} reads checkpoints`);
      assert.equal(await pinnedVersion(await modelPins(nc), "ids"), null, `${role} reads pins`);
      await assert.rejects(
        publishCheckpoint(nc, await versionFiles("20261130T000000Z-ids-e099"), { runId: "x", epoch: 9, best: true }),
        refusedByNats,
        `${role} cannot upload a checkpoint`,
      );
      await assert.rejects(
        jetstream(nc).publish(CHECKPOINT_PUBLISHED, JSON.stringify(published)),
        refusedByNats,
        `${role} cannot announce one`,
      );
    }
    for (const [role, nc] of [["inference", inference], ["retrieval", retrieval], ["trainer", trainer]] as const) {
      await assert.rejects(
        async () => promoteVersion(await modelPins(nc), "ids", published.version),
        refusedByNats,
        `${role} cannot change a pin`,
      );
      await assert.rejects(submitTrainJob(nc, ["--epochs", "1"], "ids"), refusedByNats, `${role} cannot submit a job`);
    }
    // Each service answers NATS micro-service discovery ($SRV.*) under its own identity.
    for (const [nc, name] of [[inference, INFERENCE_SERVICE], [retrieval, RETRIEVAL_SERVICE]] as const) {
      const service = startMicroService(nc, {
        name,
        version: SERVICES_VERSION,
        description: "",
        queue: "q",
        endpoints: [],
      });
      await nc.flush();
      const ping = await admin.request(`$SRV.PING.${name}`, "", { timeout: 3000 });
      assert.equal(ping.json<{ name: string }>().name, name, `${name} is discoverable`);
      await service.stop();
    }
    await promoteVersion(await modelPins(admin), "ids", published.version);
    assert.equal(await pinnedVersion(await modelPins(inference), "ids"), published.version, "the admin pins");
    const job = await submitTrainJob(admin, ["--epochs", "1"], "ids");
    assert.ok(job.jobId, "the admin submits jobs");
    assert.ok(ids.env.ALEXNET_NKEY_ADMIN.startsWith("U"));
  } finally {
    await Promise.all(open.map((nc) => nc.close()));
    await server.stop({ removeStore: true });
  }
});

Deno.test("inference's HTTP promote: NATS refuses its own identity (403), its admin identity pins", async () => {
  const { ids, server, log, as } = await authServer();
  const trainer = await as("trainer"), admin = await as("admin");
  const token = "promote-token-0123456789";
  const services: Deno.ChildProcess[] = [];
  const serve = async (extra: string[]) => {
    const s = await spawnService("services/inference/main.ts", [
      ...["--nats", server.url, "--model", "ids", "--admin-token", token, "--nats-nkey", ids.seeds.inference],
      ...["--instance", `i${services.length}`, ...extra],
    ]);
    services.push(s.child);
    return s.base;
  };
  const promote = (base: string, version: string) =>
    fetch(`${base}/v1/models/promote`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ version }),
    });
  try {
    const [a, b] = ["20261130T000000Z-ids-e001", "20261130T000000Z-ids-e002"];
    for (const version of [a, b]) {
      await publishCheckpoint(trainer, await versionFiles(version), { runId: "r", epoch: 1, best: true });
    }
    const plain = await serve([]);
    const serving = async (base: string) => (await fetchJsonOrNull(`${base}/readyz`))?.model?.version;
    await pollUntil("inference to serve the newest", async () => (await serving(plain)) === b, { timeoutMs: 60_000 });

    const refused = await promote(plain, a);
    const body = await refused.json();
    assert.equal(refused.status, 403, JSON.stringify(body));
    assert.equal(body.error.code, "bus_forbidden");
    assert.match(body.error.message, /--admin-nats-nkey/);
    assert.equal(await pinnedVersion(await modelPins(admin), "ids"), null, "the pin did not change");
    assert.ok(log.some((l) => /Publish Violation.*\$KV\.alexnet-models\.ids/.test(l)), "NATS logged the refusal");

    const withAdmin = await serve(["--admin-nats-nkey", ids.seeds.admin]);
    const pinned = await promote(withAdmin, a);
    assert.equal(pinned.status, 200, await pinned.text());
    assert.equal(await pinnedVersion(await modelPins(admin), "ids"), a);
    await pollUntil("the plain replica to follow the pin", async () => (await serving(plain)) === a, {
      timeoutMs: 30_000,
    });
  } finally {
    for (const child of services) {
      child.kill("SIGTERM");
      await child.status;
    }
    await trainer.close();
    await admin.close();
    await server.stop({ removeStore: true });
  }
});

async function openssl(dir: string, ...args: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command("openssl", { args, cwd: dir }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA. */
async function certificates(dir: string): Promise<void> {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl(
    dir,
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=test-ca",
  );
  for (
    const [name, ext] of [["server", "subjectAltName=IP:127.0.0.1,DNS:localhost"], [
      "client",
      "extendedKeyUsage=clientAuth",
    ]]
  ) {
    await openssl(dir, "req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
    await Deno.writeTextFile(`${dir}/${name}.ext`, ext + "\n");
    await openssl(
      dir,
      ...["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial"],
      ...["-out", `${name}.pem`, "-days", "2", "-extfile", `${name}.ext`],
    );
  }
}

Deno.test("TLS with a user and password: the CLI needs the CA, a client certificate and the password", async () => {
  const dir = await Deno.makeTempDir({ prefix: "alexnet-tls-" });
  await certificates(dir);
  await Deno.writeTextFile(
    `${dir}/tls.conf`,
    `tls { cert_file: "${dir}/server.pem", key_file: "${dir}/server.key", ca_file: "${dir}/ca.pem", verify: true }
authorization { users = [ { user: operator, password: $OPERATOR_PASSWORD } ] }
`,
  );
  const server = await NatsServerProcess.start({
    config: `${dir}/tls.conf`,
    env: { OPERATOR_PASSWORD: "s3cret-pass" },
  });
  const models = async (args: string[], env: Record<string, string> = {}) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [...taskArgs("models"), "list", "--nats", server.url, ...args],
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code: out.code, text: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr) };
  };
  const tls = ["--nats-tls-ca", `${dir}/ca.pem`];
  const client = ["--nats-tls-cert", `${dir}/client.pem`, "--nats-tls-key", `${dir}/client.key`];
  try {
    const ok = await models(["--nats-user", "operator", ...tls, ...client], { NATS_PASSWORD: "s3cret-pass" });
    assert.equal(ok.code, 0, ok.text);
    assert.match(ok.text, /no checkpoints published yet/);

    const untrusted = await models(["--nats-user", "operator", ...client], { NATS_PASSWORD: "s3cret-pass" });
    assert.equal(untrusted.code, 2, untrusted.text);
    assert.match(untrusted.text, /TLS with NATS .* failed/);
    const noCertificate = await models(["--nats-user", "operator", ...tls], { NATS_PASSWORD: "s3cret-pass" });
    assert.equal(noCertificate.code, 2, noCertificate.text);
    const wrongPassword = await models(["--nats-user", "operator", ...tls, ...client], { NATS_PASSWORD: "nope" });
    assert.equal(wrongPassword.code, 2, wrongPassword.text);
    assert.match(wrongPassword.text, /refused these credentials/);
    // Under load — eight refusals at once on two cores — the server's fatal alert lands at every
    // point of the handshake; each must still be one line and exit 2, never an uncaught error.
    const loaded = await Promise.all(
      Array.from({ length: 8 }, () => models(["--nats-user", "operator", ...tls], { NATS_PASSWORD: "s3cret-pass" })),
    );
    for (const failed of [untrusted, noCertificate, wrongPassword, ...loaded]) {
      assert.equal(failed.code, 2, failed.text);
      assert.equal(failed.text.trim().split("\n").length, 1, `one line: ${failed.text}`);
    }
  } finally {
    await server.stop({ removeStore: true });
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--nats-creds: a user JWT of the server's operator logs in and uses JetStream; another operator's is refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "alexnet-jwt-" });
  const ours = await operatorMode(dir);
  const theirs = await operatorMode(await Deno.makeTempDir({ prefix: "alexnet-jwt-" }));
  const server = await NatsServerProcess.start({ config: ours.config });
  try {
    const nc = await connectBus(server.url, "creds-test", { creds: await ours.creds("operator-user") });
    try {
      await promoteVersion(await modelPins(nc), "jwt", "v1");
      assert.equal(await pinnedVersion(await modelPins(nc), "jwt"), "v1");
    } finally {
      await nc.close();
    }
    await assert.rejects(
      connectBus(server.url, "stranger", { creds: await theirs.creds("stranger") }),
      (e: Error) => e instanceof UsageError && /refused these credentials/.test(e.message),
    );
    await assert.rejects(connectBus(server.url, "anonymous"), /refused an anonymous connection/);
  } finally {
    await server.stop({ removeStore: true });
    await Deno.remove(dir, { recursive: true });
  }
});
