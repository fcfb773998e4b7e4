import assert from "node:assert/strict";
import { SeededRandom } from "../../../shared/random/mod.ts";
import { WasmArena } from "./wasm_arena.ts";

Deno.test("dotInt8 sums int8 codes times an int16 query exactly, row by row", () => {
  const random = new SeededRandom(3);
  const rows = 37, stride = 48;
  const arena = new WasmArena();
  const codes = arena.alloc(rows * stride), query = arena.alloc(stride * 2), out = arena.alloc(rows * 4);
  const c = Int8Array.from({ length: rows * stride }, () => Math.round(random.uniform() * 254) - 127);
  const q = Int16Array.from({ length: stride }, () => Math.round(random.uniform() * 65534) - 32767);
  arena.int8(codes).set(c);
  arena.int16(query).set(q);
  const sums = arena.dotInt8(codes, rows, stride, query, out);
  for (let r = 0; r < rows; r++) {
    let want = 0;
    for (let j = 0; j < stride; j++) want += c[r * stride + j] * q[j];
    assert.equal(sums[r], want, `row ${r}`);
  }
});

Deno.test("dotFloat32 matches a float64 dot product to float32 precision", () => {
  const random = new SeededRandom(4);
  const rows = 9, stride = 4100;
  const arena = new WasmArena();
  const matrix = arena.alloc(rows * stride * 4), vector = arena.alloc(stride * 4), out = arena.alloc(rows * 4);
  const m = Float32Array.from({ length: rows * stride }, () => random.uniform() - 0.5);
  const v = Float32Array.from({ length: stride }, () => random.uniform() - 0.5);
  arena.float32(matrix).set(m);
  arena.float32(vector).set(v);
  const dots = arena.dotFloat32(matrix, rows, stride, vector, out);
  for (let r = 0; r < rows; r++) {
    let want = 0;
    for (let j = 0; j < stride; j++) want += m[r * stride + j] * v[j];
    assert.ok(Math.abs(dots[r] - want) < 1e-4, `row ${r}: ${dots[r]} against ${want}`);
  }
});

Deno.test("dotFloat16 widens float16 rows exactly (zeros, subnormals, signs) and matches float64 dots", () => {
  const random = new SeededRandom(6);
  const rows = 5, stride = 4096;
  const arena = new WasmArena();
  const matrix = arena.alloc(rows * stride * 2), vector = arena.alloc(stride * 4), out = arena.alloc(rows * 4);
  const halves = new Float16Array(rows * stride);
  for (let i = 0; i < halves.length; i++) {
    const kind = i % 7;
    // zeros, ±subnormals (below 6.1e-5), ±normals from 1e-4 to 60000
    halves[i] = kind === 0
      ? 0
      : kind === 1
      ? -0
      : kind === 2
      ? (random.uniform() - 0.5) * 1e-4
      : kind === 3
      ? 6e-8
      : (random.uniform() < 0.5 ? -1 : 1) * 10 ** (random.uniform() * 8.7 - 4);
  }
  const v = Float32Array.from({ length: stride }, () => random.uniform() - 0.5);
  arena.uint16(matrix).set(new Uint16Array(halves.buffer));
  arena.float32(vector).set(v);
  const dots = arena.dotFloat16(matrix, rows, stride, vector, out);
  for (let r = 0; r < rows; r++) {
    let want = 0, magnitude = 0;
    for (let j = 0; j < stride; j++) {
      want += halves[r * stride + j] * v[j];
      magnitude += Math.abs(halves[r * stride + j] * v[j]);
    }
    assert.ok(Math.abs(dots[r] - want) <= 1e-6 * magnitude, `row ${r}: ${dots[r]} against ${want}`);
  }
  // each value on its own: a one-hot vector reads back every half of row 0 exactly
  for (const j of [0, 1, 2, 3, 4, 5, 6, 100, 4095]) {
    arena.float32(vector).fill(0);
    arena.float32(vector)[j] = 1;
    assert.equal(arena.dotFloat16(matrix, 1, stride, vector, out)[0], halves[j] + 0, `entry ${j}`); // −0 sums to 0
  }
});

Deno.test("regions keep their contents while others grow, move, are freed and packed", () => {
  const random = new SeededRandom(5);
  const arena = new WasmArena();
  const regions = Array.from({ length: 40 }, () => arena.alloc(16));
  const contents = regions.map(() => new Int8Array(0));
  // Grow regions in random order (each move leaves a hole; the holes are packed once they reach a quarter of
  // the memory), free some, and check every live region still holds what was written to it.
  for (let step = 0; step < 400; step++) {
    const i = Math.floor(random.uniform() * regions.length);
    const grown = Int8Array.from(
      { length: contents[i].length + 64 + Math.floor(random.uniform() * 3000) },
      (_, j) => j < contents[i].length ? contents[i][j] : Math.floor(random.uniform() * 256) - 128,
    );
    arena.resize(regions[i], grown.length);
    arena.int8(regions[i]).set(grown);
    contents[i] = grown;
    if (step % 50 === 49) {
      const gone = regions.splice(0, 1)[0];
      contents.splice(0, 1);
      arena.free(gone);
      assert.throws(() => arena.int8(gone) && arena.free(gone), /not a live region/);
    }
  }
  regions.forEach((region, i) => {
    assert.deepEqual(arena.int8(region).subarray(0, contents[i].length), contents[i], `region ${i}`);
  });
  const live = regions.reduce((sum, r) => sum + r.bytes, 0);
  assert.equal(arena.liveBytes, live);
  assert.ok(arena.memoryBytes < 4 * live, `holes were packed: a ${arena.memoryBytes}-byte memory for ${live} live`);
});

Deno.test("a kernel refuses a stride it cannot read or regions too small for its rows", () => {
  const arena = new WasmArena();
  const codes = arena.alloc(32), query = arena.alloc(64), out = arena.alloc(8);
  assert.throws(() => arena.dotInt8(codes, 2, 8, query, out), /multiple of 16/);
  assert.throws(() => arena.dotInt8(codes, 3, 16, query, out), /would read/);
  assert.throws(() => arena.dotFloat32(codes, 1, 6, query, out), /multiple of 4/);
  assert.throws(() => arena.dotFloat16(codes, 1, 12, query, out), /multiple of 8/);
});
