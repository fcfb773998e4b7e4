/**
 * `deno task keys:new`: makes an Ed25519 key pair for signing checkpoints — the private key
 * for the trainer (`train --signing-key`, `serve:trainer --signing-key`), the public one for
 * the services (`--trusted-keys`).
 *
 * @module
 */
import { writeKeyPair } from "../../shared/checkpoint/mod.ts";
import { parseFlags, runCli, UsageError } from "../../shared/cli/mod.ts";

const HELP = `Make a key pair for signing checkpoints.

Usage: deno task keys:new [--out keys] [--name trainer]

Writes OUT/NAME.private.jwk (owner-only; give it to the trainer: --signing-key) and OUT/NAME.public.jwk
(give it to inference and retrieval: --trusted-keys). Existing keys are never overwritten.`;

async function main(args: string[]): Promise<number> {
  const { values } = parseFlags({
    args,
    options: {
      out: { type: "string", default: "keys" },
      name: { type: "string", default: "trainer" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!/^[A-Za-z0-9_-]+$/.test(values.name!)) {
    throw new UsageError(`--name may hold letters, digits, - and _, got "${values.name}"`);
  }
  const { keyId, privatePath, publicPath } = await writeKeyPair(values.out!, values.name!);
  console.log(JSON.stringify({ keyId, privateKey: privatePath, publicKey: publicPath }));
  console.error(
    `key ${keyId}: sign with --signing-key ${privatePath}; trust with --trusted-keys ${publicPath}`,
  );
  return 0;
}

if (import.meta.main) await runCli(() => main(Deno.args));
