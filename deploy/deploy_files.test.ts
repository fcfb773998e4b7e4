/**
 * What can be checked here without Docker or Kubernetes: the NATS cluster configs pass
 * `nats-server -t`, the manifests and compose file parse and wire the probes, autoscaler, GPU
 * request and health checks the README promises, and every Dockerfile copies paths and starts
 * entry points that exist.
 */
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { findNatsServer } from "./local/nats_server_process.ts";

const deploy = new URL("./", import.meta.url);
const root = new URL("../", import.meta.url);

// deno-lint-ignore no-explicit-any
type Doc = Record<string, any>;
/** Every document of a YAML file (`<<` merge keys resolved, as compose does). */
const docs = async (path: string): Promise<Doc[]> =>
  parseAllDocuments(await Deno.readTextFile(new URL(path, deploy)), { merge: true }).map((d) => d.toJS())
    .filter(Boolean);

Deno.test("each node of the 3-node NATS cluster config is accepted by nats-server -t", async () => {
  for (const node of [1, 2, 3]) {
    const path = new URL(`nats/nats-${node}.conf`, deploy).pathname;
    const { code, stderr } = await new Deno.Command(findNatsServer(), { args: ["-t", "-c", path] }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    const text = await Deno.readTextFile(path);
    assert.match(text, new RegExp(`server_name: nats-${node}`));
    assert.equal((text.match(/nats-route:\/\//g) ?? []).length, 3, "routes to all three nodes");
  }
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
  const config = (await docs("k8s/config.yaml"))[0];
  assert.equal(config.data.ALEXNET_NATS_REPLICAS, "3");
  const values = (await docs("k8s/nats-values.yaml"))[0];
  assert.equal(values.config.cluster.replicas, 3);
  assert.equal(values.config.jetstream.enabled, true);
});

Deno.test("compose runs NATS with JetStream on a volume and every service with a health check", async () => {
  const compose = (await docs("compose.yaml"))[0];
  assert.ok(compose.services.nats.command.includes("-js"));
  assert.ok(compose.services.nats.volumes[0].startsWith("nats-data:"));
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
    const entries = [...text.matchAll(/deno (?:run -A|cache --frozen) (services\/\S+\.ts)/g)].map((m) => m[1]);
    assert.ok(entries.length >= 2, service);
    for (const entry of entries) await Deno.stat(new URL(entry, root));
  }
});
