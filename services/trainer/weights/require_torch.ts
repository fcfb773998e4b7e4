/**
 * The PyTorch side of a comparison needs a Python that imports it: checked once, up front, as a
 * one-line usage error naming the Debian packages to install.
 *
 * @module
 */
import { UsageError } from "../../../shared/cli/mod.ts";

const PACKAGES: Record<string, string> = { torch: "python3-torch", torchvision: "python3-torchvision" };

/**
 * @example
 * ```ts
 * await requireTorch("/usr/bin/python3", ["torch", "torchvision"]);
 * ```
 */
export async function requireTorch(python: string, modules: ("torch" | "torchvision")[] = ["torch"]): Promise<void> {
  const probe = await new Deno.Command(python, { args: ["-c", `import ${modules.join(", ")}`], stderr: "null" })
    .output().catch(() => ({ success: false }));
  if (!probe.success) {
    throw new UsageError(
      `${python} cannot import ${modules.join(" and ")}; install: apt-get install -y ${
        modules.map((m) => PACKAGES[m]).join(" ")
      }`,
    );
  }
}
