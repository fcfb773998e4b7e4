import assert from "node:assert/strict";
import { zipSync } from "fflate";
import { PthFormatError, readPthStateDict } from "./read_pth.ts";

const fixtures = new URL("./torch_fixtures/", import.meta.url);
const fixture = (name: string) => Deno.readFile(new URL(name, fixtures));

// Pickle bytes assembled by hand: PROTO 2, then the given opcodes, then STOP.
const pickle = (...parts: (number[] | string)[]) =>
  new Uint8Array([
    0x80,
    2,
    ...parts.flatMap((p) => typeof p === "string" ? [...new TextEncoder().encode(p)] : p),
    0x2e,
  ]);
const zipWithPickle = (data: Uint8Array) => zipSync({ "archive/data.pkl": data, "archive/version": [0x33] as never });

Deno.test("zip and legacy .pth files read to the same tensors with torchvision's AlexNet shapes", async () => {
  const zip = readPthStateDict(await fixture("state_dict_zip.pth"));
  const legacy = readPthStateDict(await fixture("state_dict_legacy.pth"));
  assert.deepEqual([...zip.keys()], [...legacy.keys()]);
  assert.equal(zip.size, 16);
  assert.deepEqual(zip.get("features.0.weight")!.shape, [4, 3, 11, 11]);
  assert.deepEqual(zip.get("classifier.1.weight")!.shape, [256, 16 * 6 * 6]);
  for (const [key, tensor] of zip) {
    assert.equal(tensor.storageType, "FloatStorage");
    assert.deepEqual(tensor.data, legacy.get(key)!.data, key);
    assert.equal(tensor.data.length, tensor.shape.reduce((a, b) => a * b, 1));
  }
});

Deno.test("views sharing a storage and non-float32 dtypes decode to the values PyTorch saved", async () => {
  for (const name of ["views_and_dtypes_zip.pth", "views_and_dtypes_legacy.pth"]) {
    const t = readPthStateDict(await fixture(name));
    // base = arange(12).reshape(3, 4); transposed = base.t(); row = base[1]
    assert.deepEqual(t.get("transposed")!.shape, [4, 3]);
    assert.deepEqual([...t.get("transposed")!.data], [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11], name);
    assert.deepEqual([...t.get("row")!.data], [4, 5, 6, 7], name);
    const half = t.get("half")!;
    assert.equal(half.storageType, "HalfStorage");
    assert.deepEqual([...half.data.slice(0, 3)], [0.5, -2, 65504]);
    assert.equal(half.data[3], 2 ** -23, "1e-7 rounds to the float16 subnormal 2^-23");
    assert.deepEqual([...t.get("double")!.data], [1.25, -3.5]);
    assert.deepEqual([...t.get("long")!.data], [7, -9]);
    assert.deepEqual([...t.get("bfloat16")!.data], [1.5, -0.375]);
  }
});

Deno.test("a pickle that names os.system is refused before anything runs", () => {
  const evil = pickle("c", "os\nsystem\n", [0x58, 4, 0, 0, 0], "echo", [0x85, 0x52]);
  for (const bytes of [evil, zipWithPickle(evil)]) {
    assert.throws(
      () => readPthStateDict(bytes),
      (e: Error) => e instanceof PthFormatError && /os\.system/.test(e.message),
    );
  }
});

Deno.test("a pickled nn.Module is refused with the advice to save a state_dict", () => {
  const module = pickle("c", "torchvision.models.alexnet\nAlexNet\n", [0x29, 0x81]);
  assert.throws(() => readPthStateDict(zipWithPickle(module)), /torch\.save\(model\.state_dict\(\), path\)/);
});

Deno.test("opcodes outside the state_dict subset are refused with their byte offset", () => {
  // 0x69 INST (protocol 0 object construction by name).
  assert.throws(() => readPthStateDict(zipWithPickle(pickle([0x69]))), /opcode 0x69 at byte 2 is not allowed/);
});

Deno.test("truncated and damaged files are refused with a clear error", async () => {
  const legacy = await fixture("state_dict_legacy.pth");
  assert.throws(() => readPthStateDict(legacy.subarray(0, legacy.length - 1000)), /truncated|cut short/);
  const zip = await fixture("state_dict_zip.pth");
  assert.throws(() => readPthStateDict(zip.subarray(0, zip.length / 2)), PthFormatError);
  assert.throws(() => readPthStateDict(new TextEncoder().encode("<html>Not Found</html>")), /not a PyTorch \.pth file/);
});
