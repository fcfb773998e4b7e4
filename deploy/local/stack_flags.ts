/**
 * The flags `deno task up` and `deno task demo` share (ports, data folder, model, backend).
 *
 * @module
 */
import { UsageError } from "../../shared/cli/mod.ts";
import { DEFAULT_STACK, type LocalStackOptions } from "./local_stack.ts";

/** parseArgs option declarations of the shared flags. */
export const STACK_FLAG_OPTIONS = {
  "data-dir": { type: "string" },
  "nats-port": { type: "string" },
  "inference-port": { type: "string" },
  "retrieval-port": { type: "string" },
  model: { type: "string" },
  backend: { type: "string" },
  "no-trainer": { type: "boolean" },
  "allow-unsigned": { type: "boolean" },
} as const;

/** Help text lines of the shared flags. */
export const STACK_FLAG_HELP = `  --data-dir DIR          NATS store and trainer runs (default .data)
  --nats-port N           (default 4222)   --inference-port N (default 8080)   --retrieval-port N (default 8081)
  --model NAME            model name served and indexed (default ${DEFAULT_STACK.model})
  --backend NAME          tfjs backend for every service (default auto)
  --no-trainer            do not start a trainer worker
  --allow-unsigned        services also use unsigned checkpoints (the stack's own trainer signs with DATA-DIR/keys)`;

function port(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new UsageError(`--${flag} must be a port number, got "${value}"`);
  }
  return n;
}

/** Turns parsed flag values into stack options. */
export function stackOptions(
  values: Partial<Record<keyof typeof STACK_FLAG_OPTIONS, string | boolean | undefined>>,
  defaults: LocalStackOptions = DEFAULT_STACK,
): LocalStackOptions {
  return {
    ...defaults,
    dataDir: (values["data-dir"] as string | undefined) ?? defaults.dataDir,
    natsPort: port("nats-port", values["nats-port"] as string | undefined, defaults.natsPort),
    inferencePort: port("inference-port", values["inference-port"] as string | undefined, defaults.inferencePort),
    retrievalPort: port("retrieval-port", values["retrieval-port"] as string | undefined, defaults.retrievalPort),
    model: (values.model as string | undefined) ?? defaults.model,
    backend: (values.backend as string | undefined) ?? defaults.backend,
    trainer: !values["no-trainer"],
    allowUnsigned: Boolean(values["allow-unsigned"]) || defaults.allowUnsigned,
  };
}
