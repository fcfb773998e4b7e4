import assert from "node:assert/strict";
import { taskArgs } from "../../../shared/cli/mod.ts";

async function runBench(args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [...taskArgs("retrieval:bench"), ...args],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000), // a bench that hangs fails here instead of holding CI
  }).output();
  return { code, stdout: new TextDecoder().decode(stdout), stderr: new TextDecoder().decode(stderr) };
}

// Small shapes: 256-d vectors, 16 reduced dimensions; FAISS only where a test is about it.
const SMALL = ["--dimension", "256", "--dims", "16", "--queries", "20", "--no-faiss"];

Deno.test("retrieval:bench measures every catalogue it makes, the compact index as served beside each variant, as JSON too", async () => {
  const json = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const { code, stdout, stderr } = await runBench([
      "--n",
      "3000",
      "--distributions",
      "shared,clusters",
      "--target-recall",
      "0.9",
      "--variants",
      "default,reduced",
      "--exact-queries",
      "5",
      "--json",
      json,
      ...SMALL,
    ]);
    assert.equal(code, 0, stderr);
    const report = JSON.parse(await Deno.readTextFile(json));
    assert.deepEqual(report.catalogues.map((c: { name: string }) => c.name), ["shared", "clusters"]);
    for (const catalogue of report.catalogues) {
      assert.ok(stdout.includes(`${catalogue.name} (3000 vectors, 20 fresh queries): ${catalogue.about}`));
      assert.deepEqual(catalogue.rows.map((r: { index: string }) => r.index.split(/[:(,]/)[0].trim()), [
        "exact",
        "compact as served",
        "compact default",
        "compact reduced",
      ]);
      for (const row of catalogue.rows) {
        assert.ok(row.p50Ms > 0 && row.p99Ms >= row.p50Ms, JSON.stringify(row));
        assert.ok(row.recallAt10 > 0 && row.recallAt10 <= 1, JSON.stringify(row));
        assert.ok(stdout.includes(row.index), `printed: ${row.index}`);
      }
      const [exact, served, compact, reduced] = catalogue.rows.map((r: { recallAt10: number }) => r.recallAt10);
      assert.equal(exact, 1, "the exact index finds the exact top 10");
      assert.ok(compact > reduced, `full re-rank ${compact}, reduced only ${reduced}`);
      // The build reports what it measured on its held-out images; the bench measures fresh queries against it.
      const { target } = catalogue;
      assert.equal(target.freshRecall, served);
      assert.ok(target.reportedRecall > 0 && target.reportedRecall <= 1, JSON.stringify(target));
      // Met means met with room: the reported figure less two standard errors.
      assert.equal(target.met, target.reportedRecall - 2 * target.reportedError >= 0.9, JSON.stringify(target));
      const reported = `${target.reportedRecall.toFixed(3)} ± ${target.reportedError.toFixed(3)}`;
      assert.ok(stdout.includes(`reported recall@10 ${reported} (held-out images that took no part in choosing)`));
    }
  } finally {
    await Deno.remove(json);
  }
});

Deno.test("retrieval:bench runs FAISS on the same vectors: exact, IVF without reduction and HNSW over all of them", async () => {
  const json = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const args = ["--n", "3000", "--distributions", "clusters", "--no-exact", "--variants", "", "--target-recall", "0"];
    const small = SMALL.filter((a) => a !== "--no-faiss");
    const { code, stderr } = await runBench([...args, "--faiss-indexes", "flat,ivf,hnsw", "--json", json, ...small]);
    assert.equal(code, 0, stderr);
    const [{ rows }] = JSON.parse(await Deno.readTextFile(json)).catalogues;
    const names = rows.map((r: { index: string }) => r.index);
    assert.deepEqual(names.map((n: string) => n.replace(/\d+/g, "#")), [
      "FAISS flat (exact), # queries",
      "FAISS IVF#,Flat nprobe #",
      "FAISS IVF#,Flat nprobe #",
      "FAISS IVF#,Flat nprobe #",
      "FAISS HNSW M# efC# efS#",
      "FAISS HNSW M# efC# efS#",
      "FAISS HNSW M# efC# efS#",
    ]);
    assert.equal(rows[0].recallAt10, 1, "FAISS's exact search finds the bench's exact top 10");
    for (const row of rows) assert.equal(row.n, 3000, `${row.index} over every vector`);
    const ivf = rows.slice(1, 4).map((r: { recallAt10: number }) => r.recallAt10);
    assert.ok(ivf[0] <= ivf[1] && ivf[1] <= ivf[2], `more cells probed find more: ${ivf}`);
  } finally {
    await Deno.remove(json);
  }
});

Deno.test("retrieval:bench refuses the photos catalogue without a checkpoint, with exit 2 and one line", async () => {
  const { code, stderr } = await runBench(["--distributions", "photos", ...SMALL]);
  assert.equal(code, 2);
  assert.match(stderr.trim(), /the photos distribution needs --checkpoint DIR \(a trained model\) and --photos DIR$/);
});

Deno.test("retrieval:bench --shards answers every query from every shard over NATS and merges them", async () => {
  const json = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const { code, stdout, stderr } = await runBench(["--n", "3000", "--shards", "3", "--json", json, ...SMALL]);
    assert.equal(code, 0, stderr);
    const [row] = JSON.parse(await Deno.readTextFile(json)).rows;
    assert.equal(row.shards, 3);
    assert.equal(row.partial, 0);
    assert.ok(row.recallAt10 > 0.8, `recall@10 ${row.recallAt10}`);
    assert.match(stdout, /0 of 20 answers partial/);
    assert.match(stderr, /shard 2\/3: \d+ vectors in/);
  } finally {
    await Deno.remove(json);
  }
});

Deno.test("retrieval:bench refuses an unknown variant with exit 2 and one line", async () => {
  const { code, stderr } = await runBench(["--variants", "default,nope", ...SMALL]);
  assert.equal(code, 2);
  assert.match(stderr.trim(), /^.*unknown variant nope; choose from default, float16, reduced, whiten$/m);
});
