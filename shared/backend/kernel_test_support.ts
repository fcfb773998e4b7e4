/**
 * What the kernel tests of `shared/backend` share (WASM's, WebGPU's and native's, each against
 * TF.js's pure-JS CPU backend): the closeness measure and the convolution shapes.
 *
 * @module
 */
import assert from "node:assert/strict";

/** Asserts max |Δ| / max |ref| ≤ `tolerance`, on a reference that is not all zeros. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  label: string,
  tolerance: number,
): void {
  let maxRef = 0, maxDiff = 0;
  for (let i = 0; i < expected.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
  }
  assert.ok(maxRef > 0, `${label}: reference is all zeros`);
  assert.ok(maxDiff / maxRef <= tolerance, `${label}: max |Δ| ${maxDiff} vs max |ref| ${maxRef}`);
}

/** A convolution's padding as the kernels take it. */
export type Pad = "same" | "valid" | [[0, 0], [number, number], [number, number], [0, 0]];

/** Convolution shapes every kernel test covers: AlexNet's strides and kernels, padded and not, odd sizes. */
export const CONV_CASES: { x: number[]; filter: number[]; stride: number; pad: Pad }[] = [
  { x: [2, 31, 31, 3], filter: [11, 11, 3, 8], stride: 4, pad: "valid" },
  { x: [2, 35, 33, 3], filter: [11, 11, 3, 5], stride: 4, pad: [[0, 0], [2, 2], [2, 2], [0, 0]] },
  { x: [1, 30, 30, 2], filter: [11, 11, 2, 4], stride: 4, pad: "same" },
  { x: [3, 9, 9, 6], filter: [5, 5, 6, 7], stride: 1, pad: [[0, 0], [2, 2], [2, 2], [0, 0]] },
  { x: [2, 8, 10, 5], filter: [3, 3, 5, 4], stride: 1, pad: "same" },
  { x: [2, 8, 7, 4], filter: [3, 3, 4, 6], stride: 1, pad: "valid" },
  { x: [2, 12, 12, 3], filter: [4, 4, 3, 2], stride: 2, pad: "same" },
  { x: [1, 13, 11, 4], filter: [3, 2, 4, 3], stride: 3, pad: [[0, 0], [1, 0], [0, 2], [0, 0]] },
];
