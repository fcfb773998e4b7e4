/**
 * Cheap questions the backend ladder asks before loading anything: is there a GPU device on
 * this machine, and is tfjs-node (or tfjs-node-gpu) installed. Neither loads TF.js or a driver.
 *
 * @module
 */

/** The npm packages of TF.js's native rungs. */
export const NODE_PACKAGES = {
  "tensorflow-gpu": "@tensorflow/tfjs-node-gpu",
  "tensorflow": "@tensorflow/tfjs-node",
} as const;

/** The resolved specifier of a native rung's package, or null where the import map does not name it. */
export function nodePackageSpecifier(kind: keyof typeof NODE_PACKAGES): string | null {
  try {
    return import.meta.resolve(NODE_PACKAGES[kind]);
  } catch {
    return null;
  }
}

/**
 * On Linux a GPU shows as a device node (`/dev/dri/renderD*`, `/dev/nvidia*`); with none there
 * is no hardware adapter to find, and asking for one would only load a software Vulkan driver
 * (Mesa's lavapipe maps about 55 MiB of LLVM into the process, measured here) to be refused.
 * Elsewhere the answer is false: there is no cheap way to know.
 */
export async function noGpuDevice(): Promise<boolean> {
  if (Deno.build.os !== "linux") return false;
  const names = async (dir: string) => {
    const out: string[] = [];
    try {
      for await (const entry of Deno.readDir(dir)) out.push(entry.name);
    } catch { /* no such folder, or not allowed to look: keep probing */ }
    return out;
  };
  const [dri, dev] = await Promise.all([names("/dev/dri"), names("/dev")]);
  return !dri.some((n) => n.startsWith("renderD")) && !dev.some((n) => n.startsWith("nvidia"));
}
