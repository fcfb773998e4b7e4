/**
 * The inner loops of the fully connected layers (and of the convolutions without TF.js) as WebAssembly SIMD, in the WebAssembly text format
 * (compiled into `dense_simd_kernels_wasm.ts` by `deno task kernels:build`; `dense_simd_kernels.ts`
 * instantiates them). They read weights in the precision a checkpoint stores them
 * in — int8, float16 or float32 — straight from the memory the weights were loaded into, so no
 * float32 copy of an int8 or float16 layer ever exists.
 *
 * - `dense_i8_relaxed(w, outs, stride, x, rows, acc)` / `dense_i8(…)`:
 *   `acc[r·outs + o] = Σ_i w[o·stride + i] · x[r·stride + i]` in int32. Weights are int8, one
 *   row per output channel (the layout that per-channel scales and dot products want); `outs`
 *   is a multiple of 4, `stride` (bytes, the padded input length) a multiple of 16. The relaxed
 *   kernel multiplies 16 weight bytes by 16 activation bytes per `i32x4.relaxed_dot_i8x16_i7x16_add_s`;
 *   its activations must lie in 0…127 (7 bits), which ReLU outputs quantized per row do. The
 *   plain kernel (SIMD without the relaxed proposal) sign-extends both to int16 and uses
 *   `i32x4.dot_i16x8_s`; it takes any int8 activations. Both give the same exact integers.
 * - `rows2_i8_relaxed(…)` / `rows2_i8(…)`: the same sums, same arguments, for many rows (a
 *   convolution's output pixels, im2col'd): two rows and four output channels per step, so a
 *   weight vector is loaded once for two rows; `rows` must be even.
 * - `dense_f32(w, ins, outs, x, rows, y)` / `dense_f16(…)`: `y[r·outs + o] += Σ_i x[r·ins + i] ·
 *   W[i][o]`, float32 weights or float16 bits widened in registers, `outs` a multiple of 16. The
 *   weights lie in panels of 16 outputs — `W[i][o]` at element `(⌊o/16⌋·ins + i)·16 + o mod 16` —
 *   so that a panel is read front to back, and it is walked in blocks of 256 inputs whose
 *   weights (16 KiB, contiguous) stay in the L1 cache while every row of the batch uses them.
 *   (TF.js's own `[ins][outs]` rows, 16 KiB apart at fc6's width, all fall in one cache set.)
 * - `rows6_f32_relaxed(w, k, outs, x, rows, y)` / `rows6_f32(…)`: `y[r·outs + o] = Σ_i x[r·k + i] ·
 *   W[i][o]` for many rows (a float convolution's output pixels, im2col'd; `x` rows of `k`
 *   float32 values, any alignment): six rows and eight outputs per step, twelve accumulators in
 *   registers, so each weight vector serves six rows and each activation eight outputs. Weights
 *   lie in panels of 8 outputs — `W[i][o]` at element `(⌊o/8⌋·k + i)·8 + o mod 8`; `outs` is a
 *   multiple of 8, `rows` of 6; `y` is overwritten. The relaxed kernel multiplies and adds in one
 *   `f32x4.relaxed_madd` (a fused multiply-add where the CPU has one).
 *
 * Every pointer is a byte offset into the memory the instance imports (`env.memory`),
 * 16-byte aligned.
 *
 * @module
 */
import { WIDEN_F16_WAT } from "./compile_wat.ts";

/** Four int32 partial-sum vectors → one vector of their four totals, stored at `$dst`. */
const STORE_FOUR_SUMS = `
      (local.set $s01 (i32x4.add
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a0) (local.get $a1))
        (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a0) (local.get $a1))))
      (local.set $s23 (i32x4.add
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a2) (local.get $a3))
        (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a2) (local.get $a3))))
      (v128.store (local.get $dst) (i32x4.add
        (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $s01) (local.get $s23))
        (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $s01) (local.get $s23))))`;

/** `$w0…$w3`: the rows of output channels `$o…$o+3` (one row of `$stride` codes per channel). */
const FOUR_WEIGHT_ROWS = `(local.set $w0 (i32.add (local.get $w) (i32.mul (local.get $o) (local.get $stride))))
      (local.set $w1 (i32.add (local.get $w0) (local.get $stride)))
      (local.set $w2 (i32.add (local.get $w1) (local.get $stride)))
      (local.set $w3 (i32.add (local.get $w2) (local.get $stride)))`;

/** One int8 kernel; `step` is the body that adds the products of 16 bytes at `$i` to `$a0…$a3`. */
function int8Kernel(name: string, step: string): string {
  return `(func (export "${name}")
    (param $w i32) (param $outs i32) (param $stride i32) (param $x i32) (param $rows i32) (param $acc i32)
    (local $o i32) (local $r i32) (local $i i32) (local $xr i32) (local $dst i32)
    (local $w0 i32) (local $w1 i32) (local $w2 i32) (local $w3 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $s01 v128) (local $s23 v128)
    (local $xv v128) (local $xl v128) (local $xh v128) (local $wv v128)
    (block $done_o (loop $each_o
      (br_if $done_o (i32.ge_u (local.get $o) (local.get $outs)))
      ;; four weight rows at a time: each activation load serves four output channels
      ${FOUR_WEIGHT_ROWS}
      (local.set $r (i32.const 0))
      (block $done_r (loop $each_r
        (br_if $done_r (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $xr (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $stride))))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $i (i32.const 0))
        (loop $each_i
          (local.set $xv (v128.load (i32.add (local.get $xr) (local.get $i))))
          ${step}
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br_if $each_i (i32.lt_u (local.get $i) (local.get $stride))))
        (local.set $dst (i32.add (local.get $acc)
          (i32.shl (i32.add (i32.mul (local.get $r) (local.get $outs)) (local.get $o)) (i32.const 2))))
        ${STORE_FOUR_SUMS}
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $each_r)))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $each_o))))`;
}

const RELAXED_STEP = [0, 1, 2, 3].map((k) =>
  `(local.set $a${k} (i32x4.relaxed_dot_i8x16_i7x16_add_s
            (v128.load (i32.add (local.get $w${k}) (local.get $i))) (local.get $xv) (local.get $a${k})))`
).join("\n          ");

const PLAIN_STEP = `(local.set $xl (i16x8.extend_low_i8x16_s (local.get $xv)))
          (local.set $xh (i16x8.extend_high_i8x16_s (local.get $xv)))
          ` + [0, 1, 2, 3].map((k) =>
  `(local.set $wv (v128.load (i32.add (local.get $w${k}) (local.get $i))))
          (local.set $a${k} (i32x4.add (local.get $a${k}) (i32x4.add
            (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $wv)) (local.get $xl))
            (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $wv)) (local.get $xh)))))`
).join("\n          ");

/** `STORE_FOUR_SUMS` for the accumulators `$<prefix>0…3`. */
const storeFourSums = (prefix: string, dst: string) =>
  STORE_FOUR_SUMS.replaceAll("$a", `$${prefix}`).replaceAll("(local.get $dst)", `(local.get ${dst})`);

/**
 * The int8 kernel for many rows (a convolution's output pixels): two rows and four output
 * channels per step, so each weight load serves two rows and each activation load four
 * channels (eight accumulators). `rows` must be even (a caller pads with a zero row).
 */
function int8PairKernel(name: string, relaxed: boolean): string {
  const step = relaxed
    ? [0, 1, 2, 3].map((k) =>
      `(local.set $wv (v128.load (i32.add (local.get $w${k}) (local.get $i))))
          (local.set $a${k} (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get $wv) (local.get $x0) (local.get $a${k})))
          (local.set $b${k} (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get $wv) (local.get $x1) (local.get $b${k})))`
    ).join("\n          ")
    : `(local.set $x0l (i16x8.extend_low_i8x16_s (local.get $x0)))
          (local.set $x0h (i16x8.extend_high_i8x16_s (local.get $x0)))
          (local.set $x1l (i16x8.extend_low_i8x16_s (local.get $x1)))
          (local.set $x1h (i16x8.extend_high_i8x16_s (local.get $x1)))
          ` + [0, 1, 2, 3].map((k) =>
      `(local.set $wv (v128.load (i32.add (local.get $w${k}) (local.get $i))))
          (local.set $wl (i16x8.extend_low_i8x16_s (local.get $wv)))
          (local.set $wh (i16x8.extend_high_i8x16_s (local.get $wv)))
          (local.set $a${k} (i32x4.add (local.get $a${k}) (i32x4.add
            (i32x4.dot_i16x8_s (local.get $wl) (local.get $x0l)) (i32x4.dot_i16x8_s (local.get $wh) (local.get $x0h)))))
          (local.set $b${k} (i32x4.add (local.get $b${k}) (i32x4.add
            (i32x4.dot_i16x8_s (local.get $wl) (local.get $x1l)) (i32x4.dot_i16x8_s (local.get $wh) (local.get $x1h)))))`
    ).join("\n          ");
  const zero = (v: string) => `(local.set ${v} (v128.const i32x4 0 0 0 0))`;
  return `(func (export "${name}")
    (param $w i32) (param $outs i32) (param $stride i32) (param $x i32) (param $rows i32) (param $acc i32)
    (local $o i32) (local $r i32) (local $i i32) (local $xr0 i32) (local $xr1 i32) (local $dst i32) (local $dst1 i32)
    (local $w0 i32) (local $w1 i32) (local $w2 i32) (local $w3 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128) (local $s01 v128) (local $s23 v128)
    (local $x0 v128) (local $x1 v128) (local $x0l v128) (local $x0h v128) (local $x1l v128) (local $x1h v128)
    (local $wv v128) (local $wl v128) (local $wh v128)
    (block $done_o (loop $each_o
      (br_if $done_o (i32.ge_u (local.get $o) (local.get $outs)))
      ${FOUR_WEIGHT_ROWS}
      (local.set $r (i32.const 0))
      (block $done_r (loop $each_r
        (br_if $done_r (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $xr0 (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $stride))))
        (local.set $xr1 (i32.add (local.get $xr0) (local.get $stride)))
        ${["$a0", "$a1", "$a2", "$a3", "$b0", "$b1", "$b2", "$b3"].map(zero).join("\n        ")}
        (local.set $i (i32.const 0))
        (loop $each_i
          (local.set $x0 (v128.load (i32.add (local.get $xr0) (local.get $i))))
          (local.set $x1 (v128.load (i32.add (local.get $xr1) (local.get $i))))
          ${step}
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br_if $each_i (i32.lt_u (local.get $i) (local.get $stride))))
        (local.set $dst (i32.add (local.get $acc)
          (i32.shl (i32.add (i32.mul (local.get $r) (local.get $outs)) (local.get $o)) (i32.const 2))))
        (local.set $dst1 (i32.add (local.get $dst) (i32.shl (local.get $outs) (i32.const 2))))
        ${STORE_FOUR_SUMS}
        ${storeFourSums("b", "$dst1")}
        (local.set $r (i32.add (local.get $r) (i32.const 2)))
        (br $each_r)))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $each_o))))`;
}

/** One float kernel; `load` turns the weight bytes at `$wp` into the four f32x4 vectors `$w0…$w3`. */
function floatKernel(name: string, bytesPerWeight: number, load: string): string {
  return `(func (export "${name}")
    (param $w i32) (param $ins i32) (param $outs i32) (param $x i32) (param $rows i32) (param $y i32)
    (local $ob i32) (local $ib i32) (local $iend i32) (local $r i32) (local $i i32)
    (local $wp i32) (local $xp i32) (local $yp i32) (local $wstride i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $xs v128)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128) (local $h v128)
    ;; a panel holds 16 outputs' weights for every input: 16 × ${bytesPerWeight} bytes per input
    (local.set $wstride (i32.const ${16 * bytesPerWeight}))
    (block $done_ob (loop $each_ob
      (br_if $done_ob (i32.ge_u (local.get $ob) (local.get $outs)))
      (local.set $ib (i32.const 0))
      (block $done_ib (loop $each_ib
        (br_if $done_ib (i32.ge_u (local.get $ib) (local.get $ins)))
        (local.set $iend (select (i32.add (local.get $ib) (i32.const 256)) (local.get $ins)
          (i32.lt_u (i32.add (local.get $ib) (i32.const 256)) (local.get $ins))))
        (local.set $r (i32.const 0))
        (block $done_r (loop $each_r
          (br_if $done_r (i32.ge_u (local.get $r) (local.get $rows)))
          (local.set $yp (i32.add (local.get $y)
            (i32.shl (i32.add (i32.mul (local.get $r) (local.get $outs)) (local.get $ob)) (i32.const 2))))
          (local.set $a0 (v128.load offset=0 (local.get $yp)))
          (local.set $a1 (v128.load offset=16 (local.get $yp)))
          (local.set $a2 (v128.load offset=32 (local.get $yp)))
          (local.set $a3 (v128.load offset=48 (local.get $yp)))
          (local.set $xp (i32.add (local.get $x)
            (i32.shl (i32.add (i32.mul (local.get $r) (local.get $ins)) (local.get $ib)) (i32.const 2))))
          (local.set $wp (i32.add (local.get $w) (i32.mul (local.get $wstride)
            (i32.add (i32.mul (i32.shr_u (local.get $ob) (i32.const 4)) (local.get $ins)) (local.get $ib)))))
          (local.set $i (local.get $ib))
          (loop $each_i
            (local.set $xs (f32x4.splat (f32.load (local.get $xp))))
            ${load}
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w0) (local.get $xs))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w1) (local.get $xs))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w2) (local.get $xs))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w3) (local.get $xs))))
            (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
            (local.set $wp (i32.add (local.get $wp) (local.get $wstride)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $each_i (i32.lt_u (local.get $i) (local.get $iend))))
          (v128.store offset=0 (local.get $yp) (local.get $a0))
          (v128.store offset=16 (local.get $yp) (local.get $a1))
          (v128.store offset=32 (local.get $yp) (local.get $a2))
          (v128.store offset=48 (local.get $yp) (local.get $a3))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $each_r)))
        (local.set $ib (i32.add (local.get $ib) (i32.const 256)))
        (br $each_ib)))
      (local.set $ob (i32.add (local.get $ob) (i32.const 16)))
      (br $each_ob))))`;
}

/** Six rows × eight outputs of float32 products per step; `fused` multiplies and adds in one relaxed instruction. */
function rows6FloatKernel(name: string, fused: boolean): string {
  const rows = [0, 1, 2, 3, 4, 5];
  const madd = (acc: string, w: string) =>
    fused
      ? `(local.set ${acc} (f32x4.relaxed_madd (local.get ${w}) (local.get $xs) (local.get ${acc})))`
      : `(local.set ${acc} (f32x4.add (local.get ${acc}) (f32x4.mul (local.get ${w}) (local.get $xs))))`;
  const zero = (j: number) =>
    `(local.set $a${j}0 (v128.const i32x4 0 0 0 0)) (local.set $a${j}1 (v128.const i32x4 0 0 0 0))`;
  // Row j's activation i, broadcast to four lanes; then its products with the eight weights.
  const row = (j: number) =>
    `(local.set $xs (v128.load32_splat (i32.add (local.get $xp) (i32.mul (local.get $xstride) (i32.const ${j})))))
          ${madd(`$a${j}0`, "$w0")}
          ${madd(`$a${j}1`, "$w1")}`;
  const store = (j: number) =>
    `(local.set $yp (i32.add (local.get $y) (i32.shl
          (i32.add (i32.mul (i32.add (local.get $r) (i32.const ${j})) (local.get $outs)) (local.get $o)) (i32.const 2))))
        (v128.store offset=0 (local.get $yp) (local.get $a${j}0))
        (v128.store offset=16 (local.get $yp) (local.get $a${j}1))`;
  return `(func (export "${name}")
    (param $w i32) (param $k i32) (param $outs i32) (param $x i32) (param $rows i32) (param $y i32)
    (local $o i32) (local $r i32) (local $i i32) (local $wp i32) (local $xp i32) (local $yp i32)
    (local $xstride i32) (local $panel i32) (local $w0 v128) (local $w1 v128) (local $xs v128)
    ${rows.map((j) => `(local $a${j}0 v128) (local $a${j}1 v128)`).join(" ")}
    (local.set $xstride (i32.shl (local.get $k) (i32.const 2)))
    (block $done_o (loop $each_o
      (br_if $done_o (i32.ge_u (local.get $o) (local.get $outs)))
      ;; the panel of outputs $o…$o+7: 8 weights (32 bytes) per input
      (local.set $panel (i32.add (local.get $w) (i32.mul (i32.shl (local.get $o) (i32.const 2)) (local.get $k))))
      (local.set $r (i32.const 0))
      (block $done_r (loop $each_r
        (br_if $done_r (i32.ge_u (local.get $r) (local.get $rows)))
        ${rows.map(zero).join("\n        ")}
        (local.set $wp (local.get $panel))
        (local.set $xp (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $xstride))))
        (local.set $i (i32.const 0))
        (loop $each_i
          (local.set $w0 (v128.load offset=0 (local.get $wp)))
          (local.set $w1 (v128.load offset=16 (local.get $wp)))
          ${rows.map(row).join("\n          ")}
          (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
          (local.set $wp (i32.add (local.get $wp) (i32.const 32)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $each_i (i32.lt_u (local.get $i) (local.get $k))))
        ${rows.map(store).join("\n        ")}
        (local.set $r (i32.add (local.get $r) (i32.const 6)))
        (br $each_r)))
      (local.set $o (i32.add (local.get $o) (i32.const 8)))
      (br $each_o))))`;
}

const F32_LOAD = `(local.set $w0 (v128.load offset=0 (local.get $wp)))
            (local.set $w1 (v128.load offset=16 (local.get $wp)))
            (local.set $w2 (v128.load offset=32 (local.get $wp)))
            (local.set $w3 (v128.load offset=48 (local.get $wp)))`;

const F16_LOAD = `(local.set $h (v128.load offset=0 (local.get $wp)))
            (local.set $w0 (call $widen_f16 (i32x4.extend_low_i16x8_u (local.get $h))))
            (local.set $w1 (call $widen_f16 (i32x4.extend_high_i16x8_u (local.get $h))))
            (local.set $h (v128.load offset=16 (local.get $wp)))
            (local.set $w2 (call $widen_f16 (i32x4.extend_low_i16x8_u (local.get $h))))
            (local.set $w3 (call $widen_f16 (i32x4.extend_high_i16x8_u (local.get $h))))`;

/**
 * The kernels' module text, with the relaxed-SIMD int8 kernel or without it.
 *
 * @example
 * ```ts
 * const text = denseKernelsWat(true);
 * ```
 */
export function denseKernelsWat(relaxed: boolean): string {
  return `(module
  (import "env" "memory" (memory 1))
  ${WIDEN_F16_WAT}
  ${int8Kernel("dense_i8", PLAIN_STEP)}
  ${relaxed ? int8Kernel("dense_i8_relaxed", RELAXED_STEP) : ""}
  ${int8PairKernel("rows2_i8", false)}
  ${relaxed ? int8PairKernel("rows2_i8_relaxed", true) : ""}
  ${rows6FloatKernel("rows6_f32", false)}
  ${relaxed ? rows6FloatKernel("rows6_f32_relaxed", true) : ""}
  ${floatKernel("dense_f32", 4, F32_LOAD)}
  ${floatKernel("dense_f16", 2, F16_LOAD)})`;
}
