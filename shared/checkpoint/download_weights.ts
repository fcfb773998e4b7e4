/**
 * Downloads published PyTorch weights the way `torch.hub` does — the file name carries the
 * first hex digits of its sha256, and the download is checked against them — with a progress
 * bar, resumption of an interrupted transfer (HTTP `Range` on the `.part` file) and retries.
 *
 * @module
 */
import { join } from "node:path";
import { ProgressBar } from "../cli/progress_bar.ts";
import { sha256Hex } from "./checkpoint_files.ts";

/** The weights `deno task weights:download` knows: torchvision's ImageNet AlexNet. */
export const KNOWN_WEIGHTS: Record<string, { file: string; url: string }> = {
  "alexnet-owt": {
    // torchvision ≥ 0.13 (AlexNet_Weights.IMAGENET1K_V1); older releases named it alexnet-owt-4df8aa71.pth.
    file: "alexnet-owt-7be5be79.pth",
    url: "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
  },
};

/** The download could not complete; the message says what to do instead. */
export class WeightsDownloadError extends Error {
  override name = "WeightsDownloadError";
}

/** Options of {@linkcode downloadWeights}. */
export interface DownloadOptions {
  url: string;
  /** Destination folder; the file keeps the URL's name. */
  dir: string;
  /** Attempts per download (each resumes where the last stopped). Default 5. */
  attempts?: number;
  /** Progress lines (a {@linkcode ProgressBar}) go here; default stderr. */
  write?: (text: string) => void;
  /** Wait between attempts in ms (default 1000, doubled each time). */
  retryDelayMs?: number;
}

/** The hash prefix torch.hub names files with: `name-<hex>.pth`. */
export function hashPrefixOf(fileName: string): string | null {
  return /-([0-9a-f]{6,})\.[a-z]+$/.exec(fileName)?.[1] ?? null;
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
}

/** Appends the body of one HTTP response to `part`; returns when the body ends or breaks. */
async function receive(response: Response, part: string, bar: ProgressBar): Promise<void> {
  const file = await Deno.open(part, { append: true, create: true });
  try {
    for await (const chunk of response.body!) {
      await file.write(chunk);
      bar.tick(chunk.byteLength / 1e6);
    }
  } finally {
    file.close();
  }
}

/** How one try went: complete, or failed — before any answer (`reachable: false`) or mid-transfer. */
type Attempt = { complete: true } | { complete: false; error: string; reachable: boolean };

/** One try: asks for the bytes the `.part` lacks and appends them, with a progress bar. */
async function attemptTransfer(
  url: string,
  part: string,
  name: string,
  write: (text: string) => void,
): Promise<Attempt> {
  const have = await fileSize(part);
  let response: Response;
  try {
    response = await fetch(url, { headers: have > 0 ? { range: `bytes=${have}-` } : {} });
  } catch (error) {
    return { complete: false, error: (error as Error).message, reachable: false };
  }
  if (response.status === 416 && have > 0) {
    await response.body?.cancel(); // the .part already holds the whole file
    return { complete: true };
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new WeightsDownloadError(`${url} answered HTTP ${response.status}`);
  }
  if (have > 0 && response.status !== 206) await Deno.truncate(part, 0); // no range support: start over
  const from = response.status === 206 ? have : 0;
  const length = Number(response.headers.get("content-length") ?? NaN);
  const bar = new ProgressBar(
    from > 0 ? `${name} (resumed at ${(from / 1e6).toFixed(1)} MB)` : name,
    Number.isFinite(length) ? length / 1e6 : 0,
    { unit: "MB", write },
  );
  try {
    await receive(response, part, bar);
    bar.done();
    if (Number.isFinite(length) && (await fileSize(part)) < from + length) throw new Error("connection closed early");
    return { complete: true };
  } catch (error) {
    bar.done();
    return { complete: false, error: (error as Error).message, reachable: true };
  }
}

/**
 * Downloads `url` into `dir`, resuming a previous `.part`, and verifies the sha256 prefix in
 * the file name. Returns the final path. An existing complete file is checked, not fetched.
 *
 * @example
 * ```ts
 * const path = await downloadWeights({ url: KNOWN_WEIGHTS["alexnet-owt"].url, dir: "weights" });
 * ```
 */
export async function downloadWeights(options: DownloadOptions): Promise<string> {
  const name = decodeURIComponent(new URL(options.url).pathname.split("/").pop() ?? "");
  const prefix = hashPrefixOf(name);
  if (!prefix) throw new WeightsDownloadError(`${name} carries no sha256 prefix (expected NAME-<hex>.pth)`);
  const target = join(options.dir, name);
  const part = `${target}.part`;
  const write = options.write ?? ((text: string) => Deno.stderr.writeSync(new TextEncoder().encode(text)));
  const matches = async (path: string) => (await sha256Hex(await Deno.readFile(path))).startsWith(prefix);
  await Deno.mkdir(options.dir, { recursive: true });
  if (await fileSize(target) > 0) {
    if (await matches(target)) return target;
    throw new WeightsDownloadError(
      `${target} exists but its sha256 does not start with ${prefix}; delete it and retry`,
    );
  }
  const attempts = options.attempts ?? 5;
  let delay = options.retryDelayMs ?? 1000;
  let lastError = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const result = await attemptTransfer(options.url, part, name, write);
    if (!result.complete) {
      lastError = result.error;
      if (!result.reachable && attempt === 1) break; // unreachable from the start: offline, say what to do
      if (result.reachable) {
        write(`transfer interrupted (${lastError}); resuming (attempt ${attempt + 1} of ${attempts})\n`);
      }
      await new Promise((r) => setTimeout(r, delay));
      delay *= 2;
      continue;
    }
    if (!(await matches(part))) {
      await Deno.remove(part);
      throw new WeightsDownloadError(
        `the downloaded ${name} is corrupt (its sha256 does not start with ${prefix}); the partial file was ` +
          `removed, run the command again`,
      );
    }
    await Deno.rename(part, target);
    return target;
  }
  throw new WeightsDownloadError(
    `could not download ${options.url} (${lastError}). If this machine is offline, download that file elsewhere ` +
      `and put it at ${target}, then run: deno task weights:import ${target} --out checkpoints/alexnet-owt-imagenet`,
  );
}
