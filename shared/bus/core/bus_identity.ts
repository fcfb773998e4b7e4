/**
 * Who a process is on NATS, and how it proves it: a `.creds` file (JWT + nkey seed, for
 * operator-mode servers), an nkey seed file, or a user name and password; optionally TLS (a CA
 * to trust, a client certificate and key). Every entry point that connects takes the same flags
 * (`--nats-creds`, `--nats-nkey`, `--nats-user` + `--nats-password`, `--nats-tls-ca`,
 * `--nats-tls-cert`, `--nats-tls-key`), falling back to `NATS_CREDS`, `NATS_NKEY`, `NATS_USER`,
 * `NATS_PASSWORD`, `NATS_TLS_CA`, `NATS_TLS_CERT`, `NATS_TLS_KEY`. A second identity (inference's
 * admin connection) uses the same flags and variables under another prefix (`--admin-nats-nkey`,
 * `ADMIN_NATS_NKEY` …).
 *
 * @module
 */
import { type ConnectionOptions, credsAuthenticator, nkeyAuthenticator } from "@nats-io/nats-core";
import { fromSeed } from "@nats-io/nkeys";
import { UsageError } from "../../cli/usage_error.ts";

/** Where a process's NATS credentials are. At most one of `creds`, `nkey`, `user` is set. */
export interface BusIdentity {
  /** A NATS `.creds` file (user JWT and nkey seed). */
  creds?: string;
  /** A file holding an nkey seed (`SU…`). */
  nkey?: string;
  user?: string;
  password?: string;
  tls?: { ca?: string; cert?: string; key?: string };
}

const FIELDS = ["creds", "nkey", "user", "password", "tls-ca", "tls-cert", "tls-key"] as const;

/** The identity flags under a prefix, as `parseArgs` options. */
export type BusIdentityFlags<P extends string> = { [F in (typeof FIELDS)[number] as `${P}-${F}`]: { type: "string" } };

/** `parseArgs` options for the identity flags under `prefix` (`nats` → `--nats-creds` …). */
export function busIdentityFlags<P extends string = "nats">(prefix: P = "nats" as P): BusIdentityFlags<P> {
  return Object.fromEntries(FIELDS.map((field) => [`${prefix}-${field}`, { type: "string" }])) as BusIdentityFlags<P>;
}

/** The `--help` lines of the identity flags. */
export function busIdentityHelp(prefix = "nats", what = "NATS"): string {
  const or = (field: string) => ` (or ${`${prefix}_${field}`.replaceAll("-", "_").toUpperCase()})`;
  return [
    `  --${prefix}-creds FILE     ${what} credentials file (JWT + nkey seed)${or("creds")}`,
    `  --${prefix}-nkey FILE      ${what} nkey seed file${or("nkey")}`,
    `  --${prefix}-user NAME      ${what} user${or("user")}; password: --${prefix}-password${or("password")}`,
    `  --${prefix}-tls-ca FILE    CA certificate(s) to trust for ${what} TLS${or("tls-ca")}`,
    `  --${prefix}-tls-cert FILE  client certificate for ${what} TLS, with --${prefix}-tls-key FILE`,
  ].join("\n");
}

/**
 * The identity named by parsed flags, else by the environment (`PREFIX_FIELD`: `NATS_NKEY`,
 * `ADMIN_NATS_NKEY` …); `undefined` when none is given, which connects anonymously.
 *
 * @example
 * ```ts
 * const values = parseFlags({ args, options: { nats: { type: "string" }, ...busIdentityFlags() } }).values;
 * const nc = await connectBus(values.nats!, "my-tool", busIdentityFrom(values));
 * ```
 */
export function busIdentityFrom(
  values: object,
  prefix = "nats",
  env: (name: string) => string | undefined = (name) => Deno.env.get(name) || undefined,
): BusIdentity | undefined {
  const get = (field: (typeof FIELDS)[number]): string | undefined => {
    const flag = (values as Record<string, unknown>)[`${prefix}-${field}`];
    if (typeof flag === "string" && flag !== "") return flag;
    return env(`${prefix}_${field}`.replaceAll("-", "_").toUpperCase());
  };
  const [creds, nkey, user, password] = [get("creds"), get("nkey"), get("user"), get("password")];
  const [ca, cert, key] = [get("tls-ca"), get("tls-cert"), get("tls-key")];
  const ways = [creds && "creds", nkey && "nkey", user && "user"].filter(Boolean);
  if (ways.length > 1) throw new UsageError(`give one of --${prefix}-creds, --${prefix}-nkey, --${prefix}-user`);
  if (password && !user) throw new UsageError(`--${prefix}-password needs --${prefix}-user`);
  if (user && !password) {
    throw new UsageError(`--${prefix}-user needs a password (--${prefix}-password, or NATS_PASSWORD)`);
  }
  if (!cert !== !key) throw new UsageError(`--${prefix}-tls-cert and --${prefix}-tls-key go together`);
  const tls = ca || cert ? { ca, cert, key } : undefined;
  if (!ways.length && !tls) return undefined;
  return { creds, nkey, user, password, tls };
}

async function readFileNamed(what: string, path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    throw new UsageError(`cannot read the ${what} ${path}: ${(error as Error).message}`);
  }
}

/**
 * The `connect()` options for an identity: its authenticator and TLS settings, after checking
 * every file it names can be read (and that an nkey file holds a user seed).
 */
export async function busConnectOptions(identity: BusIdentity | undefined): Promise<Partial<ConnectionOptions>> {
  if (!identity) return {};
  const options: Partial<ConnectionOptions> = {};
  if (identity.creds) {
    options.authenticator = credsAuthenticator(await readFileNamed("NATS creds file", identity.creds));
  }
  if (identity.nkey) {
    const seed = new TextDecoder().decode(await readFileNamed("nkey seed file", identity.nkey)).trim();
    try {
      if (!fromSeed(new TextEncoder().encode(seed)).getPublicKey().startsWith("U")) throw new Error("not a user");
    } catch {
      throw new UsageError(`${identity.nkey} does not hold an nkey user seed (a line starting "SU")`);
    }
    options.authenticator = nkeyAuthenticator(new TextEncoder().encode(seed));
  }
  if (identity.user) Object.assign(options, { user: identity.user, pass: identity.password });
  if (identity.tls) {
    const { ca, cert, key } = identity.tls;
    for (const [what, path] of [["TLS CA", ca], ["TLS certificate", cert], ["TLS key", key]] as const) {
      if (path) await readFileNamed(what, path);
    }
    options.tls = { ...(ca && { caFile: ca }), ...(cert && { certFile: cert, keyFile: key }) };
  }
  return options;
}
