/**
 * Starts a real `nats-server -js` on a free loopback port with its own store directory, for
 * tests and the local stack. A missing binary is an error with the install hint, never a skip.
 *
 * @module
 */
import { freePort } from "../cli/mod.ts";

/** No nats-server binary could be found. */
export class NatsServerMissingError extends Error {
  override name = "NatsServerMissingError";
}

const INSTALL_HINT = "install it with `apt-get install -y nats-server` (Debian/Ubuntu), " +
  "`brew install nats-server` (macOS), or run the official image `docker run -p 4222:4222 nats -js`; " +
  "or point NATS_SERVER_BIN at the binary";

/** Finds the binary: $NATS_SERVER_BIN, then PATH, then Debian's /usr/sbin. */
export function findNatsServer(): string {
  const candidates = [
    Deno.env.get("NATS_SERVER_BIN"),
    ...(Deno.env.get("PATH") ?? "").split(":").filter(Boolean).map((dir) => `${dir}/nats-server`),
    "/usr/sbin/nats-server",
    "/usr/local/sbin/nats-server",
  ].filter((c): c is string => !!c);
  for (const candidate of candidates) {
    try {
      if (Deno.statSync(candidate).isFile) return candidate;
    } catch {
      // not here
    }
  }
  throw new NatsServerMissingError(`nats-server was not found; ${INSTALL_HINT}`);
}

async function waitForPort(port: number, child: Deno.ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.status.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`nats-server exited before listening on ${port}`);
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nats-server did not listen on ${port} within ${timeoutMs} ms`);
}

/** How to run a server. */
export interface NatsServerOptions {
  storeDir?: string;
  port?: number;
  log?: (line: string) => void;
  /** A configuration file (authorization, TLS …); `-js`, host, port and store still come from here. */
  config?: string;
  /** Extra environment, for the `$VARIABLES` a configuration file reads. */
  env?: Record<string, string>;
}

/** A running server; `stop` then `start` keeps the port and the JetStream store. */
export class NatsServerProcess {
  readonly port: number;
  readonly storeDir: string;
  readonly #binary: string;
  readonly #options: NatsServerOptions;
  #child: Deno.ChildProcess | null = null;

  private constructor(binary: string, port: number, storeDir: string, options: NatsServerOptions) {
    this.#binary = binary;
    this.port = port;
    this.storeDir = storeDir;
    this.#options = options;
  }

  /** `nats://127.0.0.1:<port>` */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /**
   * Starts a server on a free port with a new temporary store.
   *
   * @example
   * ```ts
   * const nats = await NatsServerProcess.start();
   * // … connect to nats.url …
   * await nats.stop({ removeStore: true });
   * ```
   */
  static async start(options: NatsServerOptions = {}): Promise<NatsServerProcess> {
    const server = new NatsServerProcess(
      findNatsServer(),
      options.port ?? freePort(),
      options.storeDir ?? await Deno.makeTempDir({ prefix: "alexnet-nats-" }),
      options,
    );
    await server.restart();
    return server;
  }

  /** (Re)starts the process on the same port and store. */
  async restart(): Promise<void> {
    if (this.#child) throw new Error("nats-server is already running");
    const { config, env, log } = this.#options;
    this.#child = new Deno.Command(this.#binary, {
      // Flags after -c override the file's port, host and store.
      args: [
        ...(config ? ["-c", config] : []),
        "-js",
        "-a",
        "127.0.0.1",
        "-p",
        String(this.port),
        "-sd",
        this.storeDir,
      ],
      env,
      stdout: "null",
      stderr: log ? "piped" : "null",
    }).spawn();
    if (log) forwardLines(this.#child.stderr, log);
    await waitForPort(this.port, this.#child, 10_000);
  }

  /** Stops the process (SIGTERM, or `signal`, then waits); optionally deletes the store. */
  async stop(options: { removeStore?: boolean; signal?: Deno.Signal } = {}): Promise<void> {
    if (this.#child) {
      try {
        this.#child.kill(options.signal ?? "SIGTERM");
      } catch {
        // already gone
      }
      await this.#child.status;
      this.#child = null;
    }
    if (options.removeStore) await Deno.remove(this.storeDir, { recursive: true }).catch(() => {});
  }
}

/**
 * Runs `body` with a scratch server (a free port, a temporary store) that is stopped and its
 * store removed however `body` ends — also when this process is told to stop (SIGINT,
 * SIGTERM), which would otherwise leave the server running on its own.
 *
 * @example
 * ```ts
 * const answer = await withScratchNatsServer(async (nats) => measureSomething(nats.url));
 * ```
 */
export async function withScratchNatsServer<T>(body: (nats: NatsServerProcess) => Promise<T>): Promise<T> {
  const nats = await NatsServerProcess.start();
  const listeners = (["SIGINT", "SIGTERM"] as const).map((signal) => {
    const listener = () =>
      void nats.stop({ removeStore: true }).finally(() => Deno.exit(signal === "SIGINT" ? 130 : 143));
    Deno.addSignalListener(signal, listener);
    return () => Deno.removeSignalListener(signal, listener);
  });
  try {
    return await body(nats);
  } finally {
    for (const remove of listeners) remove();
    await nats.stop({ removeStore: true });
  }
}

/** Calls `log` with each line of `stream` until it ends. */
export function forwardLines(stream: ReadableStream<Uint8Array>, log: (line: string) => void): Promise<void> {
  return (async () => {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) log(line);
    }
    if (rest) log(rest);
  })().catch(() => {});
}
