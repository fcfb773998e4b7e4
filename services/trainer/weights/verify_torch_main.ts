/**
 * `deno task verify:torch`: full-size parity against PyTorch itself (needs Debian's
 * python3-torch and python3-torchvision; not part of CI). The fixture script builds
 * torchvision's AlexNet at width 1 with 1000 classes and random weights, saves it in both
 * `.pth` formats with an input batch and torchvision's logits and fc7; this imports each file
 * and prints max |Δ| / max |ref|. Exit 1 when an error exceeds 1e-4.
 *
 * @module
 */
import { describeBackendChoice, parseBackendName, selectBackend } from "../../../shared/backend/mod.ts";
import { loadTorchvisionPth, torchParity } from "../../../shared/checkpoint/codec/mod.ts";
import { readNpy } from "../../../shared/checkpoint/mod.ts";
import { parseFlags, runCli, UsageError } from "../../../shared/cli/mod.ts";

const TOLERANCE = 1e-4;
const SCRIPT = new URL("../../../shared/checkpoint/torch_fixtures/make_torch_fixtures.py", import.meta.url).pathname;

async function main(args: string[]): Promise<number> {
  const { values } = parseFlags({
    args,
    options: {
      python: { type: "string", default: Deno.env.get("PYTHON") ?? "/usr/bin/python3" },
      backend: { type: "string", default: "wasm" },
      keep: { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log("Usage: deno task verify:torch [--python /usr/bin/python3] [--backend wasm] [--keep DIR]");
    return 0;
  }
  const probe = await new Deno.Command(values.python, { args: ["-c", "import torch, torchvision"], stderr: "null" })
    .output().catch(() => ({ success: false }));
  if (!probe.success) {
    throw new UsageError(
      `${values.python} cannot import torch and torchvision; install them: apt-get install -y python3-torch python3-torchvision`,
    );
  }
  console.error(describeBackendChoice(await selectBackend(parseBackendName(values.backend))));
  const dir = values.keep ?? await Deno.makeTempDir({ prefix: "verify-torch-" });
  console.error(`PyTorch: writing full-size AlexNet-OWT fixtures to ${dir} …`);
  const made = await new Deno.Command(values.python, { args: [SCRIPT, "--full", "--out", dir], stderr: "inherit" })
    .output();
  if (!made.success) throw new Error("the fixture script failed (see above)");
  console.error(new TextDecoder().decode(made.stdout).trim());
  const npy = async (name: string) => readNpy(await Deno.readFile(`${dir}/${name}`));
  const [input, logits, fc7] = await Promise.all([npy("input.npy"), npy("logits.npy"), npy("fc7.npy")]);
  let worst = 0;
  for (const format of ["zip", "legacy"]) {
    const started = performance.now();
    const { model } = await loadTorchvisionPth(`${dir}/state_dict_${format}.pth`);
    const loadSeconds = (performance.now() - started) / 1000;
    try {
      const parity = await torchParity(model, input, logits, fc7);
      worst = Math.max(worst, parity.logits, parity.fc7);
      console.log(
        `${format.padEnd(6)} .pth: import ${loadSeconds.toFixed(1)} s; max|Δ|/max|ref| logits ${
          parity.logits.toExponential(2)
        }, fc7 ${parity.fc7.toExponential(2)}`,
      );
    } finally {
      model.dispose();
    }
  }
  if (!values.keep) await Deno.remove(dir, { recursive: true });
  const ok = worst <= TOLERANCE;
  console.log(`${ok ? "PASS" : "FAIL"}: worst relative error ${worst.toExponential(2)} (tolerance ${TOLERANCE})`);
  return ok ? 0 : 1;
}

if (import.meta.main) await runCli(() => main(Deno.args));
