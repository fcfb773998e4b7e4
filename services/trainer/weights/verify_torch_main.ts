/**
 * `deno task verify:torch`: full-size parity against PyTorch itself (needs Debian's
 * python3-torch and python3-torchvision; not part of CI). The fixture script builds
 * torchvision's AlexNet at width 1 with 1000 classes and random weights, saves it in both
 * `.pth` formats with an input batch and torchvision's logits and fc7; this imports each file
 * and prints max |Δ| / max |ref|. Exit 1 when an error exceeds 1e-4.
 *
 * `--train`: K steps of SGD from the same weights on the same batches in both
 * (`train_parity.ts`; alexnet-owt or the paper's alexnet; dropout off, or `--dropout` with our masks handed to
 * PyTorch), losses and every weight compared after step 1 and step K, with PyTorch's own drift and PyTorch in float64
 * as references; exit 1 when a measure fails `parityFailures`.
 *
 * @module
 */
import { describeBackendChoice, parseBackendName, selectBackend } from "../../../shared/backend/mod.ts";
import { loadTorchvisionPth, torchParity } from "../../../shared/codec/mod.ts";
import { readNpy } from "../../../shared/checkpoint/mod.ts";
import { numberFlag, parseFlags, runCli, UsageError } from "../../../shared/cli/mod.ts";
import {
  type ParityErrors,
  parityFailures,
  trainParity,
  type TrainParityOptions,
  type TrainParityResult,
} from "./train_parity.ts";
import { requireTorch } from "./require_torch.ts";

const TOLERANCE = 1e-4;
const SCRIPT = new URL("../../../shared/checkpoint/torch_fixtures/make_torch_fixtures.py", import.meta.url).pathname;

async function main(args: string[]): Promise<number> {
  const { values } = parseFlags({
    args,
    options: {
      python: { type: "string", default: Deno.env.get("PYTHON") ?? "/usr/bin/python3" },
      backend: { type: "string", default: "wasm" },
      keep: { type: "string" },
      train: { type: "boolean" },
      dropout: { type: "boolean" },
      arch: { type: "string", default: "alexnet-owt" },
      width: { type: "string", default: "1" },
      size: { type: "string", default: "224" },
      batch: { type: "string", default: "8" },
      steps: { type: "string", default: "10" },
      seed: { type: "string", default: "1" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(
      "Usage: deno task verify:torch [--python /usr/bin/python3] [--backend wasm] [--keep DIR]\n" +
        "       deno task verify:torch --train [--arch alexnet-owt|alexnet] [--backend wasm|native] [--width 1] " +
        "[--size 224] [--batch 8] " +
        "[--steps 10] [--seed 1] [--dropout] [--keep DIR]",
    );
    return 0;
  }
  await requireTorch(values.python, ["torch", "torchvision"]);
  console.error(describeBackendChoice(await selectBackend(parseBackendName(values.backend))));
  const dir = values.keep ?? await Deno.makeTempDir({ prefix: "verify-torch-" });
  if (values.train) return await verifyTraining(values, dir);
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

/** `--train`'s options as numbers, checked. */
function trainOptions(values: Record<string, string | boolean | undefined>, dir: string): TrainParityOptions {
  const number = (name: string, integer: boolean) =>
    numberFlag(name, String(values[name]), { min: integer ? 1 : 0.01, integer });
  const width = number("width", false);
  if (width > 1) throw new UsageError("--width must be at most 1");
  if (values.arch !== "alexnet-owt" && values.arch !== "alexnet") {
    throw new UsageError(`--arch must be alexnet-owt or alexnet, got "${values.arch}"`);
  }
  return {
    python: String(values.python),
    arch: values.arch,
    width,
    inputSize: number("size", true),
    batch: number("batch", true),
    steps: number("steps", true),
    classes: 1000,
    seed: number("seed", true),
    dir,
    dropout: values.dropout === true,
    calibrate: true,
    reference: true,
  };
}

/** Every step's loss beside PyTorch's, then each comparison's worst tensor after step 1, after the last, and in the updates. */
function printParity(result: TrainParityResult, steps: number): void {
  for (const [i, loss] of result.losses.ours.entries()) {
    console.log(
      `step ${String(i + 1).padStart(3)}: loss ${loss.toFixed(6)} (PyTorch ${result.losses.torch[i].toFixed(6)}), ` +
        `relative difference ${result.lossErrors[i].toExponential(2)}`,
    );
  }
  const describe = (errors: ParityErrors) => {
    const { afterFirst, afterLast } = errors.weights;
    return `weights, max|Δ|/max|w| per tensor, worst: after step 1 ${afterFirst.error.toExponential(2)} ` +
      `(${afterFirst.tensor}), after step ${steps} ${afterLast.error.toExponential(2)} (${afterLast.tensor}); ` +
      `the updates w_${steps} − w_0: ${errors.updates.error.toExponential(2)} (${errors.updates.tensor}); ` +
      `losses: worst ${Math.max(...errors.lossErrors).toExponential(2)}`;
  };
  console.log(`ours against PyTorch: ${describe(result)}`);
  if (result.floor) console.log(`PyTorch against itself from weights perturbed by 1e-7: ${describe(result.floor)}`);
  if (result.reference) {
    console.log(`ours against PyTorch in float64: ${describe(result.reference.ours)}`);
    console.log(`PyTorch's float32 run against its float64 run: ${describe(result.reference.torch)}`);
    console.log(
      `float64 with the ReLUs float32 cannot place flipped, against float64: ${describe(result.reference.kinks)}`,
    );
  }
}

/** `--train`: the steps side by side, then PASS or FAIL. */
async function verifyTraining(values: Record<string, string | boolean | undefined>, dir: string): Promise<number> {
  const options = trainOptions(values, dir);
  const result = await trainParity(options, (line) => console.error(line));
  printParity(result, options.steps);
  if (!values.keep) await Deno.remove(dir, { recursive: true });
  const failures = parityFailures(result);
  console.log(
    failures.length === 0
      ? "PASS: every loss, every tensor after step 1 and the last, and every update within 1e-3 of PyTorch's, or " +
        "within 4× PyTorch's drift from itself where that is larger, or no further from float64 than 4× PyTorch's " +
        "float32 run or 4× the ReLUs float32 cannot place"
      : `FAIL: ${failures.join("; ")}`,
  );
  return failures.length === 0 ? 0 : 1;
}

if (import.meta.main) await runCli(() => main(Deno.args));
