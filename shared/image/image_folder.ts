/**
 * Finds labelled images in a folder, in either layout, detected automatically:
 * - Kaggle: `cat.123.jpg` — the label is the file name before the first dot;
 * - one folder per class: `cat/xyz.jpg`.
 * A folder whose only content is one subfolder (Kaggle's archive unpacks to `train/`) is
 * looked into.
 *
 * @module
 */
import { UsageError } from "../cli/usage_error.ts";

/** One labelled file. */
export interface LabelledFile {
  path: string;
  label: number;
}

/** What a folder holds. */
export interface ImageFolder {
  layout: "kaggle" | "class-folders";
  classNames: string[];
  files: LabelledFile[];
  /** Files that are not .jpg/.jpeg/.png, by path. */
  ignored: string[];
}

const IMAGE_EXTENSION = /\.(jpe?g|png)$/i;

/** Entries with symbolic links resolved, so a folder of links to photos works too. */
async function listDir(dir: string): Promise<Deno.DirEntry[]> {
  try {
    const entries: Deno.DirEntry[] = [];
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isSymlink) entries.push(entry);
      else {
        const target = await Deno.stat(`${dir}/${entry.name}`).catch(() => null);
        if (target) entries.push({ ...entry, isFile: target.isFile, isDirectory: target.isDirectory });
      }
    }
    return entries.sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new UsageError(`data folder ${dir} does not exist`);
    if (error instanceof Deno.errors.NotADirectory) throw new UsageError(`${dir} is not a folder`);
    throw error;
  }
}

/**
 * Scans `dir`. Class names are sorted, so label indices are stable across runs. Training needs
 * two classes at least (`minClasses`, default 2); indexing a folder for search does not.
 *
 * @example
 * ```ts
 * const folder = await scanImageFolder("../shared/data/dogs-vs-cats-2k/train");
 * folder.classNames; // ["cat", "dog"]
 * ```
 */
export async function scanImageFolder(dir: string, options: { minClasses?: number } = {}): Promise<ImageFolder> {
  const entries = await listDir(dir);
  const subdirs = entries.filter((e) => e.isDirectory && !e.name.startsWith("."));
  if (subdirs.length === 1 && !entries.some((e) => e.isFile && IMAGE_EXTENSION.test(e.name))) {
    return await scanImageFolder(`${dir}/${subdirs[0].name}`, options);
  }
  const ignored: string[] = [];
  const byClass = new Map<string, string[]>();
  let layout: ImageFolder["layout"];
  if (subdirs.length > 0) {
    layout = "class-folders";
    for (const sub of subdirs) {
      for (const entry of await listDir(`${dir}/${sub.name}`)) {
        if (!entry.isFile) continue;
        const path = `${dir}/${sub.name}/${entry.name}`;
        if (!IMAGE_EXTENSION.test(entry.name)) ignored.push(path);
        else byClass.set(sub.name, [...(byClass.get(sub.name) ?? []), path]);
      }
    }
  } else {
    layout = "kaggle";
    for (const entry of entries) {
      if (!entry.isFile) continue;
      const path = `${dir}/${entry.name}`;
      const dot = entry.name.indexOf(".");
      if (!IMAGE_EXTENSION.test(entry.name) || dot <= 0) ignored.push(path);
      else {
        const label = entry.name.slice(0, dot);
        byClass.set(label, [...(byClass.get(label) ?? []), path]);
      }
    }
  }
  const classNames = [...byClass.keys()].sort();
  if (classNames.length === 0) {
    throw new UsageError(
      `no .jpg/.jpeg/.png images in ${dir} (expected cat.1.jpg-style names or one folder per class)`,
    );
  }
  if (classNames.length < (options.minClasses ?? 2)) {
    throw new UsageError(`${dir} has images of only one class (${classNames[0]}); a classifier needs at least two`);
  }
  const files = classNames.flatMap((name, label) => byClass.get(name)!.map((path) => ({ path, label })));
  return { layout, classNames, files, ignored };
}

/** Keeps at most `limit` files per class (the first ones in name order). */
export function limitPerClass(files: LabelledFile[], limit: number): LabelledFile[] {
  const seen = new Map<number, number>();
  return files.filter((f) => {
    const n = seen.get(f.label) ?? 0;
    seen.set(f.label, n + 1);
    return n < limit;
  });
}
