/**
 * `deno task up`: NATS with JetStream, inference, retrieval and a trainer worker on this
 * machine, logs interleaved with coloured prefixes, until Ctrl-C.
 *
 * @module
 */
import { parseFlags, runCli } from "../../shared/cli/mod.ts";
import { LocalStack } from "./local_stack.ts";
import { STACK_FLAG_HELP, STACK_FLAG_OPTIONS, stackOptions } from "./stack_flags.ts";

const HELP = `Start the local stack: nats-server (JetStream), inference, retrieval, a trainer worker.

Usage: deno task up [options]

${STACK_FLAG_HELP}

Ctrl-C stops everything.`;

/** Resolves on the first Ctrl-C or SIGTERM. */
export function untilSignal(): Promise<Deno.Signal> {
  return new Promise((resolve) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, () => resolve(signal));
  });
}

async function main(args: string[]): Promise<number> {
  const { values } = parseFlags({ args, options: { ...STACK_FLAG_OPTIONS, help: { type: "boolean" } } });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const stack = await LocalStack.start(stackOptions(values));
  console.error(
    `\nup: NATS ${stack.natsUrl}\n` +
      Object.entries(stack.urls).map(([page, url]) => `  ${page.padEnd(9)} ${url}`).join("\n") +
      `\nadmin token (promote, rollback, image delete): ${stack.adminToken}` +
      `\nsigning key the services trust: ${stack.signingKey}` +
      `\nNATS admits only these identities (nkey seeds): ${
        Object.entries(stack.natsSeeds).map(([role, seed]) => `${role} ${seed}`).join(", ")
      }` +
      `\ntrain a model into it: deno task train --nats ${stack.natsUrl} --nats-nkey ${stack.natsSeeds.trainer} --name ${
        stackOptions(values).model
      } --signing-key ${stack.signingKey}` +
      `\n  (or hand it to the worker: --submit --nats-nkey ${stack.natsSeeds.admin}, without --signing-key)` +
      `\npin a version: deno task models promote NAME VERSION --nats ${stack.natsUrl} --nats-nkey ${stack.natsSeeds.admin}` +
      `\nCtrl-C stops everything.\n`,
  );
  const signal = await untilSignal();
  console.error(`\n${signal}: stopping…`);
  await stack.stop();
  console.error("stopped");
  return 0;
}

if (import.meta.main) await runCli(() => main(Deno.args));
