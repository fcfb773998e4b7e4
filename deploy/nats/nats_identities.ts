/**
 * The bus identities of `deploy/nats/auth.conf`: one nkey pair per role. The seeds go into
 * `<role>.nk` files readable by their owner only (give each process its own with `--nats-nkey`);
 * the public keys, the route password and the route URLs go into `identities.env`, which is the
 * environment nats-server reads them from.
 *
 * @module
 */
import { join } from "node:path";
import * as nkeys from "@nats-io/nkeys";
import { UsageError } from "../../shared/cli/mod.ts";

/** The roles `auth.conf` defines. */
export const BUS_ROLES = ["trainer", "inference", "retrieval", "admin"] as const;
export type BusRole = (typeof BUS_ROLES)[number];

/** A folder of identities: the seed file of each role and the server's environment. */
export interface NatsIdentities {
  seeds: Record<BusRole, string>;
  env: Record<string, string>;
}

const envName = (role: BusRole) => `ALEXNET_NKEY_${role.toUpperCase()}`;

function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2].replace(/^'(.*)'$/, "$1");
  }
  return env;
}

/**
 * Makes the identities in `dir` (never overwriting a seed), or reads them when they exist.
 * `routeHosts` are the cluster's nodes (`host:port`), written into `ALEXNET_NATS_ROUTES`.
 *
 * @example
 * ```ts
 * const ids = await natsIdentities(".data/nats-identities");
 * // nats-server runs with ids.env; inference with --nats-nkey ids.seeds.inference
 * ```
 */
export async function natsIdentities(
  dir: string,
  routeHosts: readonly string[] = ["nats-1:6222", "nats-2:6222", "nats-3:6222"],
): Promise<NatsIdentities> {
  const envPath = join(dir, "identities.env");
  const seeds = Object.fromEntries(BUS_ROLES.map((role) => [role, join(dir, `${role}.nk`)])) as Record<
    BusRole,
    string
  >;
  const existing = await Deno.readTextFile(envPath).catch(() => null);
  if (existing !== null) {
    const env = parseEnvFile(existing);
    for (const role of BUS_ROLES) {
      if (!env[envName(role)]) throw new UsageError(`${envPath} lacks ${envName(role)}; make the folder again`);
      await Deno.stat(seeds[role]).catch(() => {
        throw new UsageError(`${seeds[role]} is missing; make the identities folder again`);
      });
    }
    return { seeds, env };
  }
  await Deno.mkdir(dir, { recursive: true });
  const env: Record<string, string> = {};
  for (const role of BUS_ROLES) {
    const user = nkeys.createUser();
    await Deno.writeTextFile(seeds[role], new TextDecoder().decode(user.getSeed()) + "\n", {
      mode: 0o600,
      createNew: true,
    }).catch((error) => {
      throw error instanceof Deno.errors.AlreadyExists
        ? new UsageError(`${seeds[role]} exists without ${envPath}; choose an empty folder`)
        : error;
    });
    env[envName(role)] = user.getPublicKey();
  }
  // nats-server parses a variable's value as configuration: a leading letter keeps it a string.
  const password = "pw" +
    Array.from(crypto.getRandomValues(new Uint8Array(18)), (b) => b.toString(16).padStart(2, "0")).join("");
  env.ALEXNET_NATS_ROUTE_PASSWORD = password;
  env.ALEXNET_NATS_ROUTES = `[${routeHosts.map((h) => `nats-route://alexnet-route:${password}@${h}`).join(", ")}]`;
  const lines = Object.entries(env).map(([k, v]) => `${k}=${v.includes(" ") ? `'${v}'` : v}`);
  await Deno.writeTextFile(envPath, lines.join("\n") + "\n", { mode: 0o600 });
  return { seeds, env };
}
