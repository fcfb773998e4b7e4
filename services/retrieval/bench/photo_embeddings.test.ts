import assert from "node:assert/strict";
import { selectBackend } from "../../../shared/backend/mod.ts";
import { writeCheckpointDir } from "../../../shared/checkpoint/mod.ts";
import { writeShapeFolder } from "../../../tests/fixtures/shape_folder.ts";
import { tinyCheckpoint } from "../../../tests/fixtures/tiny_checkpoint.ts";
import { photoEmbeddings } from "./photo_embeddings.ts";

await selectBackend("wasm");

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

Deno.test("photo embeddings are unit fc7 vectors of augmented views, cached by checkpoint, count and seed", async () => {
  const photos = await writeShapeFolder(2); // 8 photos
  const work = await Deno.makeTempDir({ prefix: "photo-embeddings-" });
  try {
    await writeCheckpointDir(`${work}/model`, await tinyCheckpoint("shapes", "v1"));
    const views = { data: photos, checkpoint: `${work}/model`, count: 20, seed: 1, cacheDir: `${work}/cache` };
    const vectors = await photoEmbeddings(views);
    assert.equal(vectors.length, 20);
    for (const v of vectors) assert.ok(Math.abs(norm(v) - 1) < 1e-5, `norm ${norm(v)}`);
    // Views 0 and 8 are two augmented views of the same photo: close, yet not the same vector.
    const same = cosine(vectors[0], vectors[8]);
    assert.ok(same < 1 - 1e-6, "two views of a photo differ");
    const cached = await Array.fromAsync(Deno.readDir(`${work}/cache`));
    assert.deepEqual(cached.map((e) => e.name), ["photos-v1-20-s1.f16"]);
    const again = await photoEmbeddings(views);
    assert.ok(again.every((v, i) => v.every((x, k) => Math.abs(x - vectors[i][k]) < 2e-3)), "read back from the cache");
    const other = await photoEmbeddings({ ...views, seed: 2, cacheDir: undefined });
    assert.ok(other.some((v, i) => cosine(v, vectors[i]) < 1 - 1e-6), "another seed draws other views");
  } finally {
    await Deno.remove(work, { recursive: true });
    await Deno.remove(photos, { recursive: true });
  }
});
