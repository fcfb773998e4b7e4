import assert from "node:assert/strict";
import { denseKernelsModuleText } from "./dense_kernels_build.ts";

Deno.test("the committed kernel binaries are what their WebAssembly text compiles to (else: deno task kernels:build)", async () => {
  const committed = await Deno.readTextFile(new URL("./dense_simd_kernels_wasm.ts", import.meta.url));
  assert.equal(
    committed,
    await denseKernelsModuleText(),
    "dense_simd_kernels_wasm.ts is stale: run deno task kernels:build",
  );
});
