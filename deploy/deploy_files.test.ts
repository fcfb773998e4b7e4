/**
 * What can be checked here without Docker or Kubernetes: the NATS cluster configs pass
 * `nats-server -t`, the manifests and compose file parse and wire the probes, autoscaler, GPU
 * request and health checks the README promises, and every Dockerfile copies paths and starts
 * entry points that exist.
 */
import assert from "node:assert/strict";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { parseAllDocuments } from "yaml";
import { connectBus } from "../shared/bus/mod.ts";
import { freePort, pollUntil } from "../shared/cli/mod.ts";
import { findNatsServer } from "../shared/nats_server/mod.ts";
import { BUS_ROLES, natsIdentities } from "./nats/nats_identities.ts";
import { parseShard } from "../services/retrieval/shards.ts";

const deploy = new URL("./", import.meta.url);
const root = new URL("../", import.meta.url);

// deno-lint-ignore no-explicit-any
type Doc = Record<string, any>;
/** Every document of a YAML file (`<<` merge keys resolved, as compose does). */
const docs = async (path: string): Promise<Doc[]> =>
  parseAllDocuments(await Deno.readTextFile(new URL(path, deploy)), { merge: true }).map((d) => d.toJS())
    .filter(Boolean);

Deno.test("each node's config, with authorization, is accepted by nats-server -t (and refused without identities)", async () => {
  const ids = await natsIdentities(await Deno.makeTempDir({ prefix: "alexnet-ids-" }));
  for (const node of [1, 2, 3]) {
    const path = new URL(`nats/nats-${node}.conf`, deploy).pathname;
    const check = (env: Record<string, string>) =>
      new Deno.Command(findNatsServer(), { args: ["-t", "-c", path], env, clearEnv: true }).output();
    const { code, stderr } = await check(ids.env);
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    const without = await check({});
    assert.notEqual(without.code, 0, "a missing identity is an error, not an open server");
    const text = await Deno.readTextFile(path);
    assert.match(text, new RegExp(`server_name: nats-${node}`));
    assert.match(text, /include \.\/auth\.conf/);
  }
  assert.equal((ids.env.ALEXNET_NATS_ROUTES.match(/nats-route:\/\/alexnet-route:/g) ?? []).length, 3);
});

/** nats-N.conf as it is, with only its ports and store moved so three fit on one machine. */
async function loopbackNode(node: number, dir: string, ports: { client: number; http: number; route: number }) {
  let text = await Deno.readTextFile(new URL(`nats/nats-${node}.conf`, deploy));
  const swaps: [RegExp, string][] = [
    [/^port: 4222$/m, `port: ${ports.client}`],
    [/^http_port: 8222$/m, `http_port: ${ports.http}`],
    [/^ {2}listen: 0\.0\.0\.0:6222$/m, `  listen: 127.0.0.1:${ports.route}`],
    [/^ {2}store_dir: .*$/m, `  store_dir: ${dir}/store-${node}`],
  ];
  for (const [pattern, value] of swaps) {
    assert.match(text, pattern, `nats-${node}.conf has ${pattern}`);
    text = text.replace(pattern, value);
  }
  await Deno.writeTextFile(`${dir}/nats-${node}.conf`, text);
  return `${dir}/nats-${node}.conf`;
}

Deno.test({
  name: "the three node configs form a JetStream cluster on loopback; a route without the password is refused",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "alexnet-cluster-" });
    await Deno.copyFile(new URL("nats/auth.conf", deploy), `${dir}/auth.conf`);
    const nodes = [1, 2, 3].map(() => ({ client: freePort(), http: freePort(), route: freePort() }));
    const ids = await natsIdentities(
      `${dir}/ids`,
      nodes.map((n) => `127.0.0.1:${n.route}`),
    );
    const servers: Deno.ChildProcess[] = [];
    const start = (config: string, env: Record<string, string>) => {
      const child = new Deno.Command(findNatsServer(), { args: ["-c", config], env, stdout: "null", stderr: "null" })
        .spawn();
      servers.push(child);
      return child;
    };
    const routes = async (http: number) =>
      (await (await fetch(`http://127.0.0.1:${http}/routez`)).json()).num_routes as number;
    try {
      for (const [i, ports] of nodes.entries()) start(await loopbackNode(i + 1, dir, ports), ids.env);
      await pollUntil("every node to route to the other two", async () => {
        try {
          return (await Promise.all(nodes.map((n) => routes(n.http)))).every((count) => count === 2);
        } catch {
          return false;
        }
      }, { timeoutMs: 30_000 });
      const admin = await connectBus(`nats://127.0.0.1:${nodes[0].client}`, "cluster-test", { nkey: ids.seeds.admin });
      try {
        // An R3 stream needs all three JetStream servers in one meta group.
        await pollUntil("an R3 stream to be created", async () => {
          try {
            const jsm = await jetstreamManager(admin);
            await jsm.streams.add({ name: "PROBE", subjects: ["probe.>"], num_replicas: 3 });
            return true;
          } catch {
            return false;
          }
        }, { timeoutMs: 30_000 });
        const info = await (await jetstreamManager(admin)).streams.info("PROBE");
        assert.equal(info.cluster?.replicas?.length, 2, "a leader and two replicas");
      } finally {
        await admin.close();
      }
      const inference = await connectBus(`nats://127.0.0.1:${nodes[2].client}`, "c", { nkey: ids.seeds.inference });
      try {
        await assert.rejects(
          jetstream(inference).publish("alexnet.checkpoint.published", "{}"),
          (e: Error) => /Permissions Violation/.test(e.message),
          "the permissions hold on every node",
        );
      } finally {
        await inference.close();
      }
      // A fourth server that knows the route addresses but not the password does not join.
      const rogue = { client: freePort(), http: freePort(), route: freePort() };
      const rogueConfig = `${dir}/rogue.conf`;
      await Deno.writeTextFile(
        rogueConfig,
        `port: ${rogue.client}\nhttp_port: ${rogue.http}\ncluster { name: alexnet-edge, listen: 127.0.0.1:${rogue.route}, ` +
          `routes: [nats-route://127.0.0.1:${nodes[0].route}] }\n`,
      );
      start(rogueConfig, {});
      await pollUntil("the rogue server to answer", async () => {
        try {
          return (await routes(rogue.http)) >= 0;
        } catch {
          return false;
        }
      }, { timeoutMs: 10_000 });
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(await routes(rogue.http), 0, "the rogue server has no route");
      assert.equal(await routes(nodes[0].http), 2, "node 1 still routes to its two peers only");
    } finally {
      for (const child of servers) {
        try {
          child.kill("SIGTERM");
        } catch {
          // gone
        }
        await child.status;
      }
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test("Kubernetes manifests: probes on /readyz and /healthz, an HPA for inference, a GPU request for training", async () => {
  const all = [
    ...await docs("k8s/inference.yaml"),
    ...await docs("k8s/retrieval.yaml"),
    ...await docs("k8s/trainer.yaml"),
  ];
  for (const name of ["inference", "retrieval"]) {
    const deployment = all.find((d) => d.kind === "Deployment" && d.metadata.name === name)!;
    const container = deployment.spec.template.spec.containers[0];
    assert.equal(container.readinessProbe.httpGet.path, "/readyz", name);
    assert.equal(container.livenessProbe.httpGet.path, "/healthz", name);
    assert.equal(deployment.spec.selector.matchLabels["app.kubernetes.io/name"], name);
    assert.equal(deployment.spec.template.metadata.labels["app.kubernetes.io/name"], name, "the selector matches");
    assert.ok(all.some((d) => d.kind === "Service" && d.spec.selector["app.kubernetes.io/name"] === name));
  }
  const hpa = all.find((d) => d.kind === "HorizontalPodAutoscaler")!;
  assert.equal(hpa.spec.scaleTargetRef.name, "inference");
  for (const kind of ["Job", "Deployment"]) {
    const trainer = all.find((d) => d.kind === kind && /train/.test(d.metadata.name ?? d.metadata.generateName))!;
    assert.equal(trainer.spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"], 1, kind);
  }
  // Each pod runs as its own role: NATS_NKEY names a file mounted from the identities Secret.
  for (
    const [kind, name, role] of [
      ["Deployment", "inference", "inference"],
      ["Deployment", "retrieval", "retrieval"],
      ["Deployment", "trainer-workers", "trainer"],
      ["Job", "train-cats-dogs-", "trainer"],
    ]
  ) {
    const pod = all.find((d) => d.kind === kind && (d.metadata.name ?? d.metadata.generateName) === name)!.spec
      .template.spec;
    const container = pod.containers[0];
    const env = Object.fromEntries(container.env.map((e: Doc) => [e.name, e.value]));
    const mount = container.volumeMounts.find((m: Doc) => env.NATS_NKEY.startsWith(m.mountPath + "/"));
    const volume = pod.volumes.find((v: Doc) => v.name === mount?.name);
    assert.equal(volume?.secret?.secretName, "alexnet-nats-identities", name);
    assert.ok(volume.secret.items.some((i: Doc) => i.key === `${role}.nk`), `${name} gets ${role}.nk`);
    assert.equal(pod.securityContext.fsGroup, 1993, `${name}: the deno user can read its files`);
    if (role === "trainer") assert.match(env.ALEXNET_SIGNING_KEY, /trainer\.private\.jwk$/);
    else assert.equal(env.ALEXNET_TRUSTED_KEYS, "/etc/alexnet/trust", name);
  }
  const config = (await docs("k8s/config.yaml"))[0];
  assert.equal(config.data.ALEXNET_NATS_REPLICAS, "3");
  const values = (await docs("k8s/nats-values.yaml"))[0];
  assert.equal(values.config.cluster.replicas, 3);
  assert.equal(values.config.jetstream.enabled, true);
  assert.equal(values.config.merge["00$include"], "auth.conf", "the NATS pods include deploy/nats/auth.conf");
  assert.equal(values.config.cluster.routeURLs.user, "alexnet-route", "routes authenticate");
  assert.equal(values.container.merge.envFrom[0].secretRef.name, "alexnet-nats-users");
});

Deno.test("sharded retrieval: pod N of the StatefulSet serves --shard N/replicas in compact mode, as the retrieval role", async () => {
  const all = await docs("k8s/retrieval-shards.yaml");
  const set = all.find((d) => d.kind === "StatefulSet")!;
  const pod = set.spec.template.spec, container = pod.containers[0];
  const env = Object.fromEntries(container.env.map((e: Doc) => [e.name, e]));
  assert.equal(env.SHARD.valueFrom.fieldRef.fieldPath, "metadata.labels['apps.kubernetes.io/pod-index']");
  assert.equal(Number(env.SHARDS.value), set.spec.replicas, "SHARDS is the replica count");
  const script = container.command.at(-1) as string;
  assert.match(script, /--search compact/);
  assert.match(script, /services\/retrieval\/main\.ts/);
  const shardArg = /--shard "([^"]+)"/.exec(script)![1];
  for (let ordinal = 0; ordinal < set.spec.replicas; ordinal++) {
    const text = shardArg.replace("$SHARD", String(ordinal)).replace("$SHARDS", env.SHARDS.value);
    assert.deepEqual(parseShard(text), { index: ordinal, count: set.spec.replicas });
  }
  assert.equal(container.readinessProbe.httpGet.path, "/readyz");
  assert.equal(env.NATS_NKEY.value, "/etc/alexnet/nats/retrieval.nk");
  const identity = pod.volumes.find((v: Doc) => v.secret?.secretName === "alexnet-nats-identities");
  assert.ok(identity.secret.items.some((i: Doc) => i.key === "retrieval.nk"));
  const service = all.find((d) => d.kind === "Service")!;
  assert.equal(
    service.spec.selector["app.kubernetes.io/name"],
    set.spec.selector.matchLabels["app.kubernetes.io/name"],
  );
  assert.equal(set.spec.template.metadata.labels["app.kubernetes.io/name"], "retrieval-shard");
});

Deno.test("compose runs NATS with JetStream, auth.conf and identities; each service as its role", async () => {
  const compose = (await docs("compose.yaml"))[0];
  assert.ok(compose.services.nats.command.includes("-js"));
  assert.ok(compose.services.nats.volumes[0].startsWith("nats-data:"));
  const conf = compose.services.nats.command[compose.services.nats.command.indexOf("-c") + 1];
  const mounted = compose.services.nats.volumes.find((v: string) => v.endsWith(`:${conf}:ro`));
  await Deno.stat(new URL(mounted.split(":")[0], deploy));
  assert.deepEqual(compose.services.nats.env_file, ["./secrets/identities.env"]);
  const written = new Set([...BUS_ROLES.map((r) => `${r}.nk`), "trainer.private.jwk", "trainer.public.jwk"]);
  for (const [name, secret] of Object.entries(compose.secrets as Record<string, Doc>)) {
    assert.ok(written.has(secret.file.replace("./secrets/", "")), `${name}: a file the tools write`);
  }
  for (const role of ["inference", "retrieval", "trainer"]) {
    const service = compose.services[role];
    assert.equal(service.environment.NATS_NKEY, "/run/secrets/nkey", role);
    assert.ok(service.secrets.some((s: Doc) => s.source === `${role}_nkey` && s.target === "nkey"), role);
    const key = role === "trainer" ? service.environment.ALEXNET_SIGNING_KEY : service.environment.ALEXNET_TRUSTED_KEYS;
    assert.ok(service.secrets.some((s: Doc) => key === `/run/secrets/${s.target}`), `${role}: its key is mounted`);
  }
  for (const name of ["nats", "inference", "retrieval"]) assert.ok(compose.services[name].healthcheck, name);
  for (const name of ["inference", "retrieval", "trainer"]) {
    assert.equal(compose.services[name].depends_on.nats.condition, "service_healthy", name);
    await Deno.stat(new URL(compose.services[name].build.dockerfile, root));
  }
});

Deno.test("every Dockerfile copies existing paths and starts an existing entry point", async () => {
  for (const service of ["inference", "retrieval", "trainer"]) {
    const text = await Deno.readTextFile(new URL(`docker/${service}.Dockerfile`, deploy));
    assert.match(text, /^FROM denoland\/deno:2\.9\.6$/m);
    for (const [, from] of text.matchAll(/^COPY (\S+)/gm)) await Deno.stat(new URL(from, root));
    const entries = [...text.matchAll(/deno (?:run -q -P=[\w-]+(?: --allow-\S+)*|cache --frozen) (services\/\S+\.ts)/g)]
      .map((m) => m[1]);
    assert.ok(entries.length >= 2, service);
    for (const entry of entries) await Deno.stat(new URL(entry, root));
  }
});
