import assert from "node:assert/strict";
import { encode as encodePng } from "fast-png";
import { UsageError } from "../cli/usage_error.ts";
import { limitPerClass, scanImageFolder } from "./image_folder.ts";
import { loadImages } from "./load_images.ts";

function tinyPng(value: number): Uint8Array {
  return encodePng({ width: 4, height: 3, data: new Uint8Array(4 * 3 * 3).fill(value), channels: 3, depth: 8 });
}

Deno.test("the Kaggle layout takes the label from the file name before the first dot", async () => {
  const dir = await Deno.makeTempDir();
  for (const name of ["dog.2.png", "cat.1.png", "cat.10.png", "dog.1.PNG"]) {
    await Deno.writeFile(`${dir}/${name}`, tinyPng(9));
  }
  await Deno.writeTextFile(`${dir}/notes.txt`, "not an image");
  const folder = await scanImageFolder(dir);
  assert.equal(folder.layout, "kaggle");
  assert.deepEqual(folder.classNames, ["cat", "dog"]);
  assert.deepEqual(folder.files.map((f) => [f.path.slice(dir.length + 1), f.label]), [
    ["cat.1.png", 0],
    ["cat.10.png", 0],
    ["dog.1.PNG", 1],
    ["dog.2.png", 1],
  ]);
  assert.deepEqual(folder.ignored, [`${dir}/notes.txt`]);
  assert.equal(limitPerClass(folder.files, 1).length, 2);
  // A folder of symbolic links to the photos reads the same.
  const links = await Deno.makeTempDir();
  for (const name of ["cat.1.png", "dog.2.png"]) await Deno.symlink(`${dir}/${name}`, `${links}/${name}`);
  assert.deepEqual((await scanImageFolder(links)).classNames, ["cat", "dog"]);
  await Deno.remove(links, { recursive: true });
  // Kaggle's archive unpacks into train/: the parent folder works too.
  const parent = await Deno.makeTempDir();
  await Deno.rename(dir, `${parent}/train`);
  assert.deepEqual((await scanImageFolder(parent)).files.length, 4);
  await Deno.remove(parent, { recursive: true });
});

Deno.test("one folder per class is detected and labelled by folder name", async () => {
  const dir = await Deno.makeTempDir();
  for (const cls of ["zebra", "apple"]) {
    await Deno.mkdir(`${dir}/${cls}`);
    await Deno.writeFile(`${dir}/${cls}/a.png`, tinyPng(1));
    await Deno.writeFile(`${dir}/${cls}/b.png`, tinyPng(2));
  }
  const folder = await scanImageFolder(dir);
  assert.equal(folder.layout, "class-folders");
  assert.deepEqual(folder.classNames, ["apple", "zebra"]);
  assert.deepEqual(folder.files.map((f) => f.label), [0, 0, 1, 1]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a missing, empty or single-class folder is a usage error naming the problem", async () => {
  await assert.rejects(
    scanImageFolder("/no/such/folder"),
    (e) => e instanceof UsageError && /does not exist/.test(e.message),
  );
  const dir = await Deno.makeTempDir();
  await assert.rejects(
    scanImageFolder(dir),
    (e) => e instanceof UsageError && /no \.jpg\/\.jpeg\/\.png images/.test(e.message),
  );
  await Deno.writeFile(`${dir}/cat.1.png`, tinyPng(3));
  await assert.rejects(scanImageFolder(dir), /only one class/);
  const one = await scanImageFolder(dir, { minClasses: 1 }); // indexing for search needs no second class
  assert.deepEqual(one.classNames, ["cat"]);
  assert.equal(one.files.length, 1);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("unreadable images are skipped and reported, the rest load rescaled and centre-cropped", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeFile(`${dir}/cat.1.png`, tinyPng(50));
  await Deno.writeFile(`${dir}/cat.2.jpg`, new TextEncoder().encode("this is not a jpeg"));
  await Deno.writeFile(`${dir}/dog.1.png`, tinyPng(200).slice(0, 40));
  await Deno.writeFile(`${dir}/dog.2.png`, tinyPng(200));
  const folder = await scanImageFolder(dir);
  const loaded = await loadImages(folder.files, 8, true);
  assert.equal(loaded.images.length, 2);
  assert.deepEqual(loaded.labels, [0, 1]);
  assert.deepEqual(loaded.skipped.map((s) => s.path.slice(dir.length + 1)), ["cat.2.jpg", "dog.1.png"]);
  assert.match(loaded.skipped[0].reason, /not a JPEG or PNG/);
  assert.deepEqual([loaded.images[0].width, loaded.images[0].height], [8, 8]);
  await Deno.remove(dir, { recursive: true });
});
