import assert from "node:assert/strict";
import { Image } from "imagescript";
import { encode as encodePng } from "fast-png";
import { computeColourPca, drawColourShift } from "./colour_pca.ts";
import { centerCrop, cropImage, randomCropWindow, tenCropWindows } from "./crop_image.ts";
import { decodeImage, ImageDecodeError, UnsupportedImageError } from "./decode_image.ts";
import { IMAGENET_NORMALIZATION, normalizeBatch } from "./normalize_batch.ts";
import { resizeShortSide } from "./resize_short_side.ts";
import type { RgbImage } from "./rgb_image.ts";
import { SeededRandom } from "../random/seeded_random.ts";

function noiseImage(width: number, height: number, seed: number): RgbImage {
  const rng = new SeededRandom(seed);
  return { width, height, data: Uint8Array.from({ length: width * height * 3 }, () => rng.int(256)) };
}

function toImagescript(image: RgbImage): Image {
  const out = new Image(image.width, image.height);
  for (let p = 0; p < image.width * image.height; p++) {
    out.bitmap.set([image.data[p * 3], image.data[p * 3 + 1], image.data[p * 3 + 2], 255], p * 4);
  }
  return out;
}

Deno.test("a PNG decodes to exactly its pixels (noise that imagescript's own decoder rejects)", async () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const original = noiseImage(13, 7, seed);
    const decoded = await decodeImage(await toImagescript(original).encode());
    assert.equal(decoded.width, 13);
    assert.equal(decoded.height, 7);
    assert.deepEqual(decoded.data, original.data);
  }
});

Deno.test("greyscale, 16-bit and alpha PNGs decode to RGB", async () => {
  const grey = encodePng({ width: 3, height: 1, data: Uint8Array.from([0, 128, 255]), channels: 1, depth: 8 });
  assert.deepEqual((await decodeImage(grey)).data, Uint8Array.from([0, 0, 0, 128, 128, 128, 255, 255, 255]));
  const deep = encodePng({ width: 1, height: 1, data: Uint16Array.from([65535, 0, 32896]), channels: 3, depth: 16 });
  assert.deepEqual((await decodeImage(deep)).data, Uint8Array.from([255, 0, 128]));
  const alpha = encodePng({ width: 1, height: 1, data: Uint8Array.from([200, 100, 50, 0]), channels: 4, depth: 8 });
  assert.deepEqual((await decodeImage(alpha)).data, Uint8Array.from([0, 0, 0]));
});

Deno.test("a JPEG decodes to its size with colours close to the original", async () => {
  const flat: RgbImage = {
    width: 40,
    height: 30,
    data: new Uint8Array(40 * 30 * 3).map((_, i) => [200, 40, 90][i % 3]),
  };
  const decoded = await decodeImage(await toImagescript(flat).encodeJPEG(95));
  assert.equal(decoded.width, 40);
  assert.equal(decoded.height, 30);
  for (let i = 0; i < decoded.data.length; i++) assert.ok(Math.abs(decoded.data[i] - flat.data[i]) <= 4);
});

Deno.test("bytes that are not an image are refused as unsupported; other formats are named", async () => {
  await assert.rejects(decodeImage(new TextEncoder().encode("hello, not a picture")), UnsupportedImageError);
  const gif = new TextEncoder().encode("GIF89a\x01\x00\x01\x00\x00\x00\x00;");
  await assert.rejects(decodeImage(gif), { name: "UnsupportedImageError", message: /a GIF image; only JPEG and PNG/ });
});

Deno.test("an empty image is a decode error (a bad request), not an unsupported format", async () => {
  await assert.rejects(decodeImage(new Uint8Array(0)), { name: "ImageDecodeError", message: /empty/ });
});

Deno.test("a truncated PNG and a corrupt JPEG are refused as decode errors", async () => {
  const png = await toImagescript(noiseImage(32, 32, 2)).encode();
  await assert.rejects(decodeImage(png.slice(0, 60)), ImageDecodeError);
  const jpeg = await toImagescript(noiseImage(32, 32, 3)).encodeJPEG(90);
  const corrupt = jpeg.slice(0, 24);
  await assert.rejects(decodeImage(corrupt), ImageDecodeError);
});

Deno.test("resize keeps aspect ratio when the short side is scaled", () => {
  const wide = resizeShortSide(noiseImage(500, 375, 4), 256);
  assert.deepEqual([wide.width, wide.height], [341, 256]);
  const tall = resizeShortSide(noiseImage(100, 200, 5), 50);
  assert.deepEqual([tall.width, tall.height], [50, 100]);
  assert.equal(tall.data.length, 50 * 100 * 3);
});

Deno.test("one 256×256 image yields 2048 distinct 224 crop/flip variants (32×32 positions × 2)", () => {
  const image = noiseImage(256, 256, 6);
  const rng = new SeededRandom(7);
  const windows = new Map<string, ReturnType<typeof randomCropWindow>>();
  for (let i = 0; i < 60_000; i++) {
    const w = randomCropWindow(image, 224, rng);
    windows.set(`${w.x},${w.y},${w.flip}`, w);
  }
  assert.equal(windows.size, 2048);
  const xs = [...windows.values()].map((w) => w.x);
  assert.equal(Math.min(...xs), 0);
  assert.equal(Math.max(...xs), 31);
  const contents = new Set<string>();
  for (const w of windows.values()) {
    const crop = cropImage(image, w);
    // Sampled fingerprint: 64 pixels spread over the crop identify it for noise content.
    let key = "";
    for (let k = 0; k < 64; k++) key += crop.data[(k * 7919 * 3) % crop.data.length] + ",";
    contents.add(key);
  }
  assert.equal(contents.size, 2048);
});

Deno.test("a flipped crop mirrors the unflipped one left to right", () => {
  const image = noiseImage(20, 10, 8);
  const plain = cropImage(image, { x: 3, y: 1, size: 8, flip: false });
  const mirrored = cropImage(image, { x: 3, y: 1, size: 8, flip: true });
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      for (let c = 0; c < 3; c++) {
        assert.equal(mirrored.data[(y * 8 + x) * 3 + c], plain.data[(y * 8 + 7 - x) * 3 + c]);
      }
    }
  }
});

Deno.test("ten-crop takes the four corners and the centre, each plain and mirrored", () => {
  const windows = tenCropWindows(noiseImage(256, 256, 9), 224);
  assert.equal(windows.length, 10);
  assert.deepEqual(windows.slice(0, 5).map((w) => [w.x, w.y]), [[0, 0], [32, 0], [0, 32], [32, 32], [16, 16]]);
  assert.deepEqual(windows.map((w) => w.flip), [...Array(5).fill(false), ...Array(5).fill(true)]);
  assert.deepEqual(centerCrop(noiseImage(300, 260, 1), 224).width, 224);
});

Deno.test("colour PCA finds the axis synthetic images vary along, and shifts have std 0.1·√λ", () => {
  // Pixels = grey base + t·d, t ~ U(−0.3, 0.3) so var(t) = 0.03, plus ±1/255 noise.
  const d = [2, 1, -1].map((v) => v / Math.sqrt(6));
  const rng = new SeededRandom(10);
  const images: RgbImage[] = Array.from({ length: 20 }, () => {
    const data = new Uint8Array(16 * 16 * 3);
    for (let p = 0; p < 256; p++) {
      const t = (rng.uniform() - 0.5) * 0.6;
      for (let c = 0; c < 3; c++) data[p * 3 + c] = Math.round((0.5 + t * d[c]) * 255 + rng.int(3) - 1);
    }
    return { width: 16, height: 16, data };
  });
  const pca = computeColourPca(images);
  const cosine = Math.abs(pca.eigenvectors[0].reduce((s, v, c) => s + v * d[c], 0));
  assert.ok(cosine > 0.999, `top axis cosine ${cosine}`);
  assert.ok(Math.abs(pca.eigenvalues[0] - 0.03) < 0.003, `λ1 ${pca.eigenvalues[0]}`);
  assert.ok(pca.eigenvalues[1] < 0.001 && pca.eigenvalues[2] <= pca.eigenvalues[1]);

  const draws = Array.from({ length: 20_000 }, () => drawColourShift(pca, rng));
  const along = draws.map((s) => s.reduce((acc, v, c) => acc + v * pca.eigenvectors[0][c], 0));
  const mean = along.reduce((a, b) => a + b, 0) / along.length;
  const std = Math.sqrt(along.reduce((a, b) => a + (b - mean) ** 2, 0) / along.length);
  const expected = 0.1 * Math.sqrt(pca.eigenvalues[0]);
  assert.ok(Math.abs(mean) < 0.05 * expected * 10, `mean ${mean}`);
  assert.ok(Math.abs(std - expected) / expected < 0.03, `std ${std} vs ${expected}`);
});

Deno.test("normalisation maps pixels to (x/255 + shift − mean)/std in NHWC order", () => {
  const image: RgbImage = { width: 1, height: 2, data: Uint8Array.from([255, 0, 128, 0, 255, 51]) };
  const out = normalizeBatch([image, image], IMAGENET_NORMALIZATION, [[0, 0, 0], [0.1, 0, 0]]);
  const { mean, std } = IMAGENET_NORMALIZATION;
  assert.equal(out.length, 12);
  assert.ok(Math.abs(out[0] - (1 - mean[0]) / std[0]) < 1e-6);
  assert.ok(Math.abs(out[5] - (0.2 - mean[2]) / std[2]) < 1e-6);
  assert.ok(Math.abs(out[6] - (1.1 - mean[0]) / std[0]) < 1e-6);
});

Deno.test("image size is read from the JPEG and PNG headers without decoding", async () => {
  const { readImageSize } = await import("./read_image_size.ts");
  const jpeg = await toImagescript(noiseImage(37, 21, 11)).encodeJPEG(80);
  assert.deepEqual(readImageSize(jpeg), { type: "jpeg", width: 37, height: 21 });
  const png = encodePng({ width: 5000, height: 9000, data: new Uint8Array((5000 * 9000) / 8), channels: 1, depth: 1 });
  assert.deepEqual(readImageSize(png), { type: "png", width: 5000, height: 9000 });
  assert.throws(() => readImageSize(jpeg.slice(0, 12)), ImageDecodeError);
  assert.throws(() => readImageSize(png.slice(0, 20)), ImageDecodeError);
  assert.throws(() => readImageSize(new Uint8Array([1, 2, 3])), UnsupportedImageError);
});

Deno.test("other image formats are named when refused; unknown bytes are 'not a JPEG or PNG image'", async () => {
  const head = (text: string) => new TextEncoder().encode(text.padEnd(16, "\0"));
  const cases: [Uint8Array, RegExp][] = [
    [head("GIF89a"), /^a GIF image; only JPEG and PNG are read$/],
    [head("RIFF\0\0\0\0WEBPVP8 "), /^a WebP image/],
    [head("BM"), /^a BMP image/],
    [head("II*\0"), /^a TIFF image/],
    [head("\0\0\0\x18ftypheic"), /^a HEIF\/AVIF image/],
    [head("hello, world"), /^not a JPEG or PNG image$/],
  ];
  for (const [bytes, message] of cases) {
    await assert.rejects(
      decodeImage(bytes),
      (e: Error) => e instanceof UnsupportedImageError && message.test(e.message),
    );
  }
});
