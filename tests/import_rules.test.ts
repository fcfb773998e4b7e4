/**
 * The layering rules of DESIGN.md, checked on the real module graph (`deno info --json`,
 * transitively, type-only imports included):
 *
 * - nothing under `shared/bus` — tests included — reaches TensorFlow.js or `shared/model`;
 * - `shared/bus` is layered as nats.js v3 is: `core` < `jetstream` < `kv` < `obj` < `services`, each
 *   layer (tests included) reaching neither a higher layer nor a higher layer's nats.js module, and
 *   nothing anywhere imports the old all-in-one `nats` package;
 * - nor does the checkpoint byte layer (`shared/checkpoint`, tests included), which never reaches the codec either;
 * - the codec (`shared/codec`) sits above the model: no library code of `shared/model` reaches it;
 * - nor does `deno task models`, which only changes pins;
 * - a service never reaches another service, tests included;
 * - library code in `shared/` never reaches `services/`, `deploy/` or `tests/`;
 * - code outside `shared/` imports a shared folder through its front file (`mod.ts`), never a file inside it.
 *
 * A violation names the chain of imports that leads to it.
 */
import assert from "node:assert/strict";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const CONFIG = `${ROOT}deno.json`;

interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier: string }; type?: { specifier: string } }[];
}

/** `deno info --json` of `file`: each module's direct dependencies (code and types). */
async function moduleGraph(file: string): Promise<Map<string, string[]>> {
  const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--config", CONFIG, file],
    cwd: ROOT,
  }).output();
  if (!success) throw new Error(`deno info ${file} failed: ${new TextDecoder().decode(stderr)}`);
  const info: { modules: InfoModule[]; redirects: Record<string, string> } = JSON.parse(
    new TextDecoder().decode(stdout),
  );
  const canonical = (s: string) => info.redirects[s] ?? s;
  const graph = new Map<string, string[]>();
  for (const m of info.modules) {
    const deps = (m.dependencies ?? []).flatMap((d) => [d.code?.specifier, d.type?.specifier])
      .filter((s): s is string => s !== undefined).map(canonical);
    graph.set(m.specifier, deps);
  }
  return graph;
}

/** Shortest import chains from `file` to every module `forbidden` matches, as readable paths. */
async function forbiddenImports(file: string, forbidden: (specifier: string) => boolean): Promise<string[][]> {
  const graph = await moduleGraph(file);
  const root = pathToFileURL(file).href;
  const parent = new Map<string, string | null>([[root, null]]);
  const queue = [root];
  const found: string[][] = [];
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const next of graph.get(current) ?? []) {
      if (parent.has(next)) continue;
      parent.set(next, current);
      if (forbidden(next)) {
        const chain = [next];
        for (let at = current; at !== null; at = parent.get(at)!) chain.unshift(at);
        found.push(chain.map(readable));
      } else queue.push(next);
    }
  }
  return found;
}

function readable(specifier: string): string {
  return specifier.startsWith("file://") ? relative(ROOT, fileURLToPath(specifier)) : specifier;
}

/** Every .ts file under `dir` (repository-relative), optionally without tests. */
async function sources(dir: string, options: { tests: boolean; skip?: string[] }): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(`${ROOT}${dir}`)) {
    const path = `${dir}/${entry.name}`;
    if (options.skip?.includes(path)) continue;
    if (entry.isDirectory) out.push(...await sources(path, options));
    else if (entry.name.endsWith(".ts") && (options.tests || !entry.name.endsWith(".test.ts"))) out.push(path);
  }
  return out.sort();
}

const isTensorflow = (s: string) => /^npm:\/?@tensorflow\//.test(s);
const under = (folder: string) => (s: string) => s.startsWith(pathToFileURL(`${ROOT}${folder}/`).href);

/** Checks every file; fails listing each offending chain. */
async function assertNoImports(files: string[], forbidden: (s: string) => boolean, rule: string): Promise<void> {
  const violations: string[] = [];
  await Promise.all(files.map(async (file) => {
    for (const chain of await forbiddenImports(`${ROOT}${file}`, forbidden)) violations.push(chain.join(" → "));
  }));
  assert.ok(files.length > 0, `no files to check for: ${rule}`);
  assert.deepEqual(violations.sort(), [], `${rule}:\n${violations.join("\n")}`);
}

Deno.test("nothing under shared/bus imports TensorFlow.js or shared/model, directly or transitively", async () => {
  const files = await sources("shared/bus", { tests: true });
  await assertNoImports(files, (s) => isTensorflow(s) || under("shared/model")(s), "shared/bus must carry bytes only");
});

/** The bus's layers, lowest first, with the nats.js v3 module each adds. */
const BUS_LAYERS = [
  { layer: "core", packages: ["nats-core", "transport-node", "nkeys"] },
  { layer: "jetstream", packages: ["jetstream"] },
  { layer: "kv", packages: ["kv"] },
  { layer: "obj", packages: ["obj"] },
  { layer: "services", packages: ["services"] },
];

const isNatsModule = (name: string) => (s: string) => new RegExp(`^npm:/?@nats-io/${name}@`).test(s);

Deno.test("shared/bus layers: each imports only the layers below it and their nats.js modules, tests included", async () => {
  const top = [...Deno.readDirSync(`${ROOT}shared/bus`)].filter((e) => e.isFile).map((e) => e.name);
  assert.deepEqual(top, ["mod.ts"], "every bus file lives in a layer; mod.ts is the front");
  for (const [i, { layer }] of BUS_LAYERS.entries()) {
    const higher = BUS_LAYERS.slice(i + 1);
    const forbidden = [
      ...higher.map((h) => under(`shared/bus/${h.layer}`)),
      ...higher.flatMap((h) => h.packages.map(isNatsModule)),
      under("shared/bus/mod.ts"),
    ];
    await assertNoImports(
      await sources(`shared/bus/${layer}`, { tests: true }),
      (s) => forbidden.some((f) => f(s)) || s === pathToFileURL(`${ROOT}shared/bus/mod.ts`).href,
      `shared/bus/${layer} may import only ${BUS_LAYERS.slice(0, i).map((l) => l.layer).join(", ") || "itself"}`,
    );
  }
});

Deno.test("the layer rule sees a lower layer reaching a higher one", async () => {
  const chains = await forbiddenImports(`${ROOT}shared/bus/obj/checkpoint_follower.ts`, under("shared/bus/kv"));
  assert.ok(chains.some((c) => c.at(-1) === "shared/bus/kv/model_pins.ts"), "obj uses kv (allowed there, seen here)");
  assert.ok(
    (await forbiddenImports(`${ROOT}shared/bus/kv/model_pins.ts`, isNatsModule("kv"))).length > 0,
    "a nats.js module import is seen",
  );
});

Deno.test("nothing imports the old all-in-one nats package; deno.json maps only the v3 modules", async () => {
  const config = JSON.parse(await Deno.readTextFile(CONFIG));
  const mapped = Object.entries(config.imports as Record<string, string>).filter(([, to]) => /npm:\/?nats@/.test(to));
  assert.deepEqual(mapped, []);
  const files = (await Promise.all(["shared", "services", "deploy", "tests"].map((d) => sources(d, { tests: true }))))
    .flat();
  const old: string[] = [];
  for (const file of files) {
    if (/(?:from|import)\s*\(?\s*"nats(?:\/[^"]*)?"/.test(await Deno.readTextFile(`${ROOT}${file}`))) old.push(file);
  }
  assert.deepEqual(old, []);
});

Deno.test("the checkpoint byte layer imports neither TensorFlow.js, shared/model nor the codec, tests included", async () => {
  const files = await sources("shared/checkpoint", { tests: true });
  await assertNoImports(
    files,
    (s) => isTensorflow(s) || under("shared/model")(s) || under("shared/codec")(s),
    "checkpoint bytes without tfjs, below the model and the codec",
  );
});

Deno.test("the codec sits above the model: shared/model's library code never imports shared/codec", async () => {
  await assertNoImports(await sources("shared/model", { tests: false }), under("shared/codec"), "model below codec");
});

Deno.test("deno task models (pin admin) loads no TensorFlow.js", async () => {
  await assertNoImports(["services/inference/models_main.ts"], isTensorflow, "an admin command needs no network");
});

Deno.test("services never import each other, tests included", async () => {
  const services = [...Deno.readDirSync(`${ROOT}services`)].filter((e) => e.isDirectory).map((e) => e.name);
  assert.deepEqual(services.sort(), ["inference", "retrieval", "trainer"]);
  for (const service of services) {
    const others = services.filter((s) => s !== service).map((s) => under(`services/${s}`));
    await assertNoImports(
      await sources(`services/${service}`, { tests: true }),
      (s) => others.some((isOther) => isOther(s)),
      `services/${service} must not import another service`,
    );
  }
});

Deno.test("library code in shared/ never imports services, deploy or tests", async () => {
  const files = await sources("shared", { tests: false });
  const outside = ["services", "deploy", "tests"].map(under);
  await assertNoImports(files, (s) => outside.some((isOutside) => isOutside(s)), "shared/ stands below everything");
});

/** The relative imports written in a source file (static, re-exports and dynamic), resolved to repository paths. */
function writtenImports(file: string, text: string): string[] {
  const specifiers = [...text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1]);
  return specifiers.map((s) => relative(ROOT, resolve(dirname(`${ROOT}${file}`), s)));
}

/** Imports from outside `shared/` that reach into a shared folder past its `mod.ts`. */
async function pastFrontFiles(files: string[]): Promise<string[]> {
  const violations: string[] = [];
  for (const file of files) {
    for (const target of writtenImports(file, await Deno.readTextFile(`${ROOT}${file}`))) {
      if (target.startsWith("shared/") && !target.endsWith("/mod.ts")) violations.push(`${file} → ${target}`);
    }
  }
  return violations;
}

Deno.test("code outside shared/ imports each shared folder through its mod.ts, tests included", async () => {
  const files = (await Promise.all(["services", "deploy", "tests"].map((d) => sources(d, { tests: true })))).flat();
  assert.ok(files.length > 100);
  assert.deepEqual(await pastFrontFiles(files), []);
});

Deno.test("the front-file rule sees an import that reaches into a shared folder", () => {
  const text = `import { UsageError } from "../../shared/cli/usage_error.ts";\n` +
    `import { parseFlags } from "../../shared/cli/mod.ts";\nconst m = await import("../../shared/model/alexnet.ts");\n`;
  assert.deepEqual(writtenImports("deploy/nats/x.ts", text), [
    "shared/cli/usage_error.ts",
    "shared/cli/mod.ts",
    "shared/model/alexnet.ts",
  ]);
});

Deno.test("the checker finds a forbidden import through a chain of modules", async () => {
  // A module that reaches tfjs through shared/model: the rule above must see it.
  const dir = await Deno.makeTempDir({ prefix: "alexnet-import-rules-" });
  try {
    const probe = `${dir}/probe.ts`;
    await Deno.writeTextFile(
      probe,
      `import "${pathToFileURL(`${ROOT}shared/checkpoint/mod.ts`).href}";\n` +
        `export { AlexNet } from "${pathToFileURL(`${ROOT}shared/model/alexnet.ts`).href}";\n`,
    );
    const chains = await forbiddenImports(probe, isTensorflow);
    assert.ok(chains.length > 0, "tfjs reached through shared/model/alexnet.ts is found");
    assert.ok(chains.some((c) => c.includes("shared/model/alexnet.ts")), chains.map((c) => c.join(" → ")).join("\n"));
    assert.deepEqual(await forbiddenImports(`${ROOT}shared/bus/mod.ts`, isTensorflow), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
