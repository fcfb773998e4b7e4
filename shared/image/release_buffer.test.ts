import assert from "node:assert/strict";
import { releaseBuffers } from "./release_buffer.ts";

Deno.test("released buffers are freed at once; a WebAssembly memory and a buffer released twice are left as they are", () => {
  const pixels = new Uint8Array(1 << 20);
  const values = new Float32Array(1024);
  const memory = new WebAssembly.Memory({ initial: 1 });
  const inMemory = new Float32Array(memory.buffer, 0, 16);
  releaseBuffers(pixels, values, inMemory);
  releaseBuffers(pixels);
  assert.equal(pixels.buffer.byteLength, 0);
  assert.equal(values.length, 0);
  assert.equal(memory.buffer.byteLength, 65536);
  assert.equal(inMemory.length, 16);
});
