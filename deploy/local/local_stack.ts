/**
 * The whole system on one machine: a `nats-server` with JetStream (store in `.data/nats`)
 * that admits only the identities of `deploy/nats/auth.conf` (made once in
 * `.data/nats-identities`), the inference and retrieval services and a trainer worker, each as
 * its own role, as child processes whose logs are interleaved with coloured `[name]` prefixes.
 * `stop()` ends them in reverse order. Used by `deno task up`, `deno task demo` and the
 * end-to-end tests.
 *
 * @module
 */
import { fileURLToPath as fromFileUrl } from "node:url";
import { writeKeyPair } from "../../shared/checkpoint/mod.ts";
import { taskArgs } from "../../shared/cli/mod.ts";
import { buildBrowserBundle } from "../../shared/web/mod.ts";
import { type BusRole, natsIdentities } from "../nats/nats_identities.ts";
import { ensureNatsServer } from "./ensure_nats_server.ts";
import { forwardLines, NatsServerProcess } from "../../shared/nats_server/mod.ts";

/** Options of {@linkcode LocalStack.start}. */
export interface LocalStackOptions {
  /** Folder for the NATS store (`<dataDir>/nats`) and trainer runs (`<dataDir>/runs`). Default `.data`. */
  dataDir: string;
  natsPort: number;
  inferencePort: number;
  retrievalPort: number;
  /** The model name the services serve and index with. */
  model: string;
  /** Also start a trainer worker (`serve:trainer`). */
  trainer: boolean;
  backend: string;
  /** Where log lines go (default stderr). */
  write?: (line: string) => void;
  /** Host name in the printed URLs (default localhost). */
  host?: string;
  /** Services also use unsigned checkpoints (`--allow-unsigned`); signed ones must be by the stack's key. */
  allowUnsigned: boolean;
}

/** Defaults of `deno task up`. */
export const DEFAULT_STACK: LocalStackOptions = {
  dataDir: ".data",
  natsPort: 4222,
  inferencePort: 8080,
  retrievalPort: 8081,
  model: "alexnet",
  trainer: true,
  backend: "auto",
  allowUnsigned: false,
};

const COLOURS: Record<string, number> = { nats: 35, inference: 36, retrieval: 32, trainer: 33, demo: 34 };

/**
 * The stack's signing key pair in `dir` (`trainer.private.jwk`, `trainer.public.jwk`), made on
 * first use and kept with the data, so checkpoints stored by an earlier run stay trusted.
 */
export async function stackSigningKeys(dir: string): Promise<{ privatePath: string; publicPath: string }> {
  const privatePath = `${dir}/trainer.private.jwk`, publicPath = `${dir}/trainer.public.jwk`;
  const exists = await Deno.stat(privatePath).then(() => true, () => false);
  if (!exists) await writeKeyPair(dir, "trainer");
  return { privatePath, publicPath };
}

/** `[name] line`, with the prefix coloured unless NO_COLOR is set or output is not a terminal. */
export function prefixed(name: string, line: string): string {
  const text = line.replace(new RegExp(`^\\[${name}\\] `), "");
  const colour = Deno.env.get("NO_COLOR") === undefined && Deno.stderr.isTerminal();
  const tag = `[${name}]`.padEnd(12);
  return colour ? `\x1b[${COLOURS[name] ?? 37}m${tag}\x1b[0m ${text}` : `${tag} ${text}`;
}

function portFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "0.0.0.0", port }).close();
    return true;
  } catch {
    return false;
  }
}

async function waitHealthy(url: string, child: Deno.ChildProcess, timeoutMs: number): Promise<void> {
  let exited = false;
  child.status.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${url} exited before it was healthy (see its log above)`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} was not healthy within ${timeoutMs / 1000} s`);
}

/**
 * @example
 * ```ts
 * const stack = await LocalStack.start({ ...DEFAULT_STACK, model: "demo" });
 * console.log(stack.urls.classify);
 * await stack.stop();
 * ```
 */
export class LocalStack {
  readonly natsUrl: string;
  readonly inferenceUrl: string;
  readonly retrievalUrl: string;
  /** The Bearer token of promote, rollback and image delete: ALEXNET_ADMIN_TOKEN, else made for this run. */
  readonly adminToken: string;
  /** The private key whose signatures the services trust (`train --signing-key` it to publish into the stack). */
  readonly signingKey: string;
  /** Each role's nkey seed file (`--nats-nkey FILE`); NATS refuses anonymous clients. */
  readonly natsSeeds: Record<BusRole, string>;
  readonly #nats: NatsServerProcess;
  readonly #children: { name: string; child: Deno.ChildProcess }[];

  private constructor(
    nats: NatsServerProcess,
    children: { name: string; child: Deno.ChildProcess }[],
    o: LocalStackOptions,
    adminToken: string,
    signingKey: string,
    natsSeeds: Record<BusRole, string>,
  ) {
    this.adminToken = adminToken;
    this.signingKey = signingKey;
    this.natsSeeds = natsSeeds;
    this.#nats = nats;
    this.#children = children;
    const host = o.host ?? "localhost";
    this.natsUrl = `nats://127.0.0.1:${o.natsPort}`;
    this.inferenceUrl = `http://${host}:${o.inferencePort}`;
    this.retrievalUrl = `http://${host}:${o.retrievalPort}`;
  }

  /** The pages a person opens. */
  get urls(): Record<string, string> {
    return {
      classify: `${this.inferenceUrl}/ui/classify`,
      search: `${this.retrievalUrl}/ui/search`,
      training: `${this.inferenceUrl}/ui/training`,
      model: `${this.inferenceUrl}/ui/model`,
      docs: `${this.inferenceUrl}/docs`,
    };
  }

  /** Starts NATS, then the services; resolves once every HTTP service answers /healthz. */
  static async start(options: LocalStackOptions): Promise<LocalStack> {
    const write = options.write ?? ((line: string) => console.error(line));
    const ports = [["NATS", options.natsPort], ["inference", options.inferencePort], [
      "retrieval",
      options.retrievalPort,
    ]] as const;
    for (const [what, port] of ports) {
      if (!portFree(port)) {
        throw new Error(`port ${port} (${what}) is in use; stop what holds it or choose another port (see --help)`);
      }
    }
    await ensureNatsServer();
    await buildBrowserBundle(); // the classify page's in-browser classifier
    const storeDir = `${options.dataDir}/nats`;
    await Deno.mkdir(storeDir, { recursive: true });
    const identities = await natsIdentities(`${options.dataDir}/nats-identities`);
    const nats = await NatsServerProcess.start({
      storeDir,
      port: options.natsPort,
      log: (line) => write(prefixed("nats", line)),
      config: fromFileUrl(new URL("../nats/auth.conf", import.meta.url)),
      env: identities.env,
    });
    const children: { name: string; child: Deno.ChildProcess }[] = [];
    // In the environment, not on the command line where every user's `ps` would show it.
    const adminToken = Deno.env.get("ALEXNET_ADMIN_TOKEN") ??
      Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
    const keys = await stackSigningKeys(`${options.dataDir}/keys`);
    const stack = new LocalStack(nats, children, options, adminToken, keys.privatePath, identities.seeds);
    try {
      await startServices(options, { write, children, adminToken, keys, seeds: identities.seeds });
    } catch (error) {
      await stack.stop();
      throw error;
    }
    return stack;
  }

  /** SIGTERM to every service (they finish in-flight work; SIGKILL after `graceMs`), then NATS. */
  async stop(graceMs = 10_000): Promise<void> {
    const signal = (child: Deno.ChildProcess, name: Deno.Signal) => {
      try {
        child.kill(name);
      } catch {
        // already gone
      }
    };
    for (const { child } of [...this.#children].reverse()) signal(child, "SIGTERM");
    const late = setTimeout(() => this.#children.forEach(({ child }) => signal(child, "SIGKILL")), graceMs);
    await Promise.all(this.#children.map(({ child }) => child.status));
    clearTimeout(late);
    await this.#nats.stop();
  }
}

/** What the services are started with. */
interface ServiceLaunch {
  write: (line: string) => void;
  /** Every child started is added here (so a failed start can stop them). */
  children: { name: string; child: Deno.ChildProcess }[];
  adminToken: string;
  keys: { privatePath: string; publicPath: string };
  seeds: Record<BusRole, string>;
}

/**
 * Starts inference, retrieval and (unless told not to) a trainer worker, each as its role on
 * NATS and with the permissions its task declares (deno.json), as `deno task` would; resolves
 * once inference and retrieval answer /healthz.
 */
async function startServices(options: LocalStackOptions, launch: ServiceLaunch): Promise<void> {
  const { write, children, adminToken, keys, seeds } = launch;
  const spawn = (name: string, task: string, args: string[], grants: string[] = []) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: [...taskArgs(task, grants), ...args],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", ALEXNET_ADMIN_TOKEN: adminToken },
    }).spawn();
    forwardLines(child.stdout, (line) => write(prefixed(name, line)));
    forwardLines(child.stderr, (line) => write(prefixed(name, line)));
    children.push({ name, child });
    return child;
  };
  const host = options.host ?? "localhost";
  const common = ["--nats", `nats://127.0.0.1:${options.natsPort}`, "--backend", options.backend];
  const as = (role: BusRole) => ["--nats-nkey", seeds[role]];
  const trust = ["--trusted-keys", keys.publicPath, ...(options.allowUnsigned ? ["--allow-unsigned"] : [])];
  const serving = (port: number, peer: string, peerPort: number) => [
    ...common,
    ...["--model", options.model, "--port", String(port), "--instance", `local-${port}`],
    ...[peer, `http://${host}:${peerPort}`],
    ...trust,
  ];
  const inference = spawn("inference", "serve:inference", [
    ...serving(options.inferencePort, "--retrieval-url", options.retrievalPort),
    ...as("inference"),
    // Its promote and rollback endpoints (behind the admin token) change pins as the admin.
    ...["--admin-nats-nkey", seeds.admin],
  ]);
  const retrieval = spawn("retrieval", "serve:retrieval", [
    ...serving(options.retrievalPort, "--inference-url", options.inferencePort),
    ...as("retrieval"),
  ]);
  if (options.trainer) {
    spawn("trainer", "serve:trainer", [
      ...common,
      ...["--name", `local-${Deno.hostname()}`, "--runs", `${options.dataDir}/runs`],
      ...["--signing-key", keys.privatePath],
      ...as("trainer"),
    ], [`--allow-write=${options.dataDir}/runs`]); // the stack's data folder, wherever --data-dir put it
  }
  await Promise.all([
    waitHealthy(`http://127.0.0.1:${options.inferencePort}/healthz`, inference, 60_000),
    waitHealthy(`http://127.0.0.1:${options.retrievalPort}/healthz`, retrieval, 60_000),
  ]);
}
