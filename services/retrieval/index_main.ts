/**
 * `deno task index DIR [--label-from-name]`: bulk-adds a folder of images to a running
 * retrieval service, with a progress bar and a final summary (added, duplicates, skipped).
 *
 * @module
 */
import { parseFlags, ProgressBar, runCli, UsageError } from "../../shared/cli/mod.ts";
import { scanImageFolder } from "../../shared/image/mod.ts";

const HELP = `Add every image in a folder to the retrieval service.

Usage: deno task index DIR [--label-from-name] [--url http://127.0.0.1:8081]
  --label-from-name   store {label} metadata from the Kaggle name (cat.1.jpg) or the class folder`;

async function main(args: string[]): Promise<number> {
  const parsed = parseFlags({
    args,
    allowPositionals: true,
    options: {
      url: { type: "string", default: "http://127.0.0.1:8081" },
      "label-from-name": { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  if (parsed.values.help) {
    console.log(HELP);
    return 0;
  }
  const [dir] = parsed.positionals;
  if (!dir) throw new UsageError("give the folder to index (see --help)");
  const folder = await scanImageFolder(dir, { minClasses: 1 });
  const bar = new ProgressBar("index", folder.files.length, { unit: "images" });
  const summary = { added: 0, duplicates: 0, skipped: [] as string[] };
  for (const file of folder.files) {
    const form = new FormData();
    form.append("image", new Blob([await Deno.readFile(file.path)]), file.path);
    const name = file.path.split("/").at(-1)!;
    form.append("id", name.replace(/[^A-Za-z0-9._-]/g, "_"));
    if (parsed.values["label-from-name"]) {
      form.append("metadata", JSON.stringify({ label: folder.classNames[file.label] }));
    }
    let response: Response;
    try {
      response = await fetch(new URL("/v1/images", parsed.values.url), { method: "POST", body: form });
    } catch (error) {
      throw new UsageError(`cannot reach the retrieval service at ${parsed.values.url} (${(error as Error).message})`);
    }
    const body = await response.json();
    if (response.status === 201) summary.added++;
    else if (response.status === 200 && body.duplicate) summary.duplicates++;
    else if (response.status === 503) throw new UsageError(`the service is not ready: ${body.error?.message}`);
    else summary.skipped.push(`${file.path}: ${body.error?.message ?? response.status}`);
    bar.tick();
  }
  const seconds = bar.done();
  for (const line of summary.skipped) console.error(`skipped ${line}`);
  console.log(
    `indexed ${folder.files.length} files in ${
      seconds.toFixed(1)
    } s: ${summary.added} added, ${summary.duplicates} duplicates, ` +
      `${summary.skipped.length + folder.ignored.length} skipped (${folder.ignored.length} not images)`,
  );
  return 0;
}

if (import.meta.main) await runCli(() => main(Deno.args));
