/**
 * `deno task nats:identities --out DIR`: makes the bus identities of `deploy/nats/auth.conf`
 * for a deployment — one nkey seed per role and the environment nats-server needs.
 *
 * @module
 */
import { parseFlags, runCli, UsageError } from "../../shared/cli/mod.ts";
import { BUS_ROLES, natsIdentities } from "./nats_identities.ts";

const HELP = `Make the NATS identities of deploy/nats/auth.conf.

Usage: deno task nats:identities --out DIR [--route-hosts nats-1:6222,nats-2:6222,nats-3:6222]

Writes DIR/{${BUS_ROLES.join(",")}}.nk (nkey seeds, owner-only: give each process its own with
--nats-nkey FILE or NATS_NKEY) and DIR/identities.env (the public keys, the cluster route password
and route URLs: the environment of every nats-server, e.g. \`set -a; . DIR/identities.env\`).
An existing folder is read, never overwritten.`;

async function main(args: string[]): Promise<number> {
  const { values } = parseFlags({
    args,
    options: { out: { type: "string" }, "route-hosts": { type: "string" }, help: { type: "boolean" } },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.out) throw new UsageError("--out DIR is required (see --help)");
  const hosts = values["route-hosts"]?.split(",").map((h) => h.trim()).filter(Boolean);
  if (hosts && !hosts.every((h) => /^[A-Za-z0-9.-]+:\d+$/.test(h))) {
    throw new UsageError(`--route-hosts must be HOST:PORT,…, got "${values["route-hosts"]}"`);
  }
  const ids = await natsIdentities(values.out, hosts);
  console.log(JSON.stringify({ seeds: ids.seeds, env: `${values.out}/identities.env` }));
  console.error(
    `identities in ${values.out}: ${BUS_ROLES.map((r) => `${r}.nk`).join(", ")}; ` +
      `nats-server reads ${values.out}/identities.env`,
  );
  return 0;
}

if (import.meta.main) await runCli(() => main(Deno.args));
