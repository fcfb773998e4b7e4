/**
 * `deno task models list | promote NAME VERSION | rollback NAME`: manages which version
 * each model name serves (the KV pin in `alexnet-models`); serving replicas follow the pin
 * within seconds through their KV watch.
 *
 * @module
 */
import {
  busIdentityFlags,
  busIdentityFrom,
  busIdentityHelp,
  connectBus,
  listCheckpointNames,
  listCheckpointVersions,
  modelPins,
  type NatsConnection,
  NoEarlierPinError,
  pinnedVersion,
  promoteVersion,
  rollbackPin,
} from "../../shared/bus/mod.ts";
import { parseFlags, runCli, UsageError } from "../../shared/cli/mod.ts";

const HELP = `Manage which checkpoint version each model name serves.

Usage: deno task models list                     names, versions, and the pinned one (*)
       deno task models promote NAME VERSION     pin NAME to VERSION
       deno task models rollback NAME            pin NAME back to its previous pinned version
Options: --nats URL (default $NATS_URL or nats://127.0.0.1:4222), --json, --help
NATS identity (promote and rollback need the admin role of deploy/nats/auth.conf):
${busIdentityHelp()}`;

/** Runs one models command; returns the lines to print. */
export async function runModelsCommand(nc: NatsConnection, command: string[], json: boolean): Promise<string[]> {
  const kv = await modelPins(nc);
  const [verb, name, version] = command;
  switch (verb) {
    case "list": {
      const models = [];
      for (const model of await listCheckpointNames(nc)) {
        models.push({
          name: model,
          pinned: await pinnedVersion(kv, model),
          versions: await listCheckpointVersions(nc, model),
        });
      }
      if (json) return [JSON.stringify({ models })];
      if (models.length === 0) return ["no checkpoints published yet"];
      return models.flatMap((m) => [
        `${m.name}${m.pinned ? ` (pinned to ${m.pinned})` : " (serving the newest)"}`,
        ...m.versions.map((v) => `  ${v === m.pinned ? "*" : " "} ${v}`),
      ]);
    }
    case "promote": {
      if (!name || !version) throw new UsageError("usage: deno task models promote NAME VERSION");
      const versions = await listCheckpointVersions(nc, name);
      if (!versions.includes(version)) {
        throw new UsageError(`${name}@${version} is not published (known: ${versions.slice(-5).join(", ") || "none"})`);
      }
      await promoteVersion(kv, name, version);
      return [json ? JSON.stringify({ name, pinned: version }) : `${name} now serves ${version}`];
    }
    case "rollback": {
      if (!name) throw new UsageError("usage: deno task models rollback NAME");
      let current: string | null, previous: string;
      try {
        [current, previous] = await rollbackPin(kv, name);
      } catch (error) {
        if (error instanceof NoEarlierPinError) throw new UsageError(error.message);
        throw error;
      }
      return [json ? JSON.stringify({ name, pinned: previous }) : `${name} rolled back from ${current} to ${previous}`];
    }
    default:
      throw new UsageError(`unknown command "${verb ?? ""}"; use list, promote or rollback (see --help)`);
  }
}

async function main(args: string[]): Promise<number> {
  const parsed = parseFlags({
    args,
    allowPositionals: true,
    options: { nats: { type: "string" }, ...busIdentityFlags(), json: { type: "boolean" }, help: { type: "boolean" } },
  });
  if (parsed.values.help) {
    console.log(HELP);
    return 0;
  }
  const nc = await connectBus(
    parsed.values.nats ?? Deno.env.get("NATS_URL") ?? "nats://127.0.0.1:4222",
    "models-cli",
    busIdentityFrom(parsed.values),
  );
  try {
    for (const line of await runModelsCommand(nc, parsed.positionals, parsed.values.json ?? false)) console.log(line);
  } finally {
    await nc.close();
  }
  return 0;
}

if (import.meta.main) await runCli(() => main(Deno.args));
