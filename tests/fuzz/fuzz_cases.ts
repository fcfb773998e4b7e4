/**
 * The bodies `deno task fuzz` sends, made from a few photos (given, or generated shapes): the
 * Pillow variants (`make_variants.py`: greyscale, palette, alpha, 16-bit, CMYK, progressive,
 * 1×1, 4000×8, GIF/WebP/BMP/TIFF), truncations, bit flips, random bytes, decompression bombs
 * (headers claiming 60000×60000, 0×0, 1×2e9; a 4000×4000 PNG of zeros), wrong content types and
 * malformed multipart. Each case says what a correct service answers.
 *
 * @module
 */
import { zlibSync } from "fflate";
import { decodeImageWithin } from "../../shared/image/mod.ts";
import { encodeJpeg, encodeRgbPng, generateShapeImage } from "../../shared/image/mod.ts";
import { SeededRandom } from "../../shared/random/mod.ts";

/** What a correct service does with a case: answer it (200/201), refuse it (4xx), or either. */
export type Expectation = "answer" | "refuse" | "either";

/** One request body and how to send it. */
export interface FuzzCase {
  category: string;
  name: string;
  bytes: Uint8Array;
  /** The content type of a raw body (null: none); multipart bodies set their own. */
  contentType: string | null;
  expect: Expectation;
  /** The status a refusal must have (e.g. 415 for other formats, 413 for bombs). */
  refuseWith?: number;
  /** A whole raw body that is not an image part (malformed multipart): sent as is. */
  rawBody?: boolean;
  /** How many times more often than 1 it is sent (costly cases are sent rarely). */
  weight: number;
}

const MAX_PIXELS = 40e6;

/** Whether the services' own decoder (with their pixel limit) reads it: then they must answer. */
async function decodable(bytes: Uint8Array): Promise<boolean> {
  try {
    await decodeImageWithin(bytes, MAX_PIXELS);
    return true;
  } catch {
    return false;
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** A well-formed PNG whose header claims `width` × `height` (8-bit RGB), with `rows` of zero pixels. */
function pngClaiming(width: number, height: number, rows: Uint8Array): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", zlibSync(rows, { level: 9 })),
    pngChunk("IEND", new Uint8Array()),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), at += p.length;
  return out;
}

/** A JPEG whose SOF0 header claims `width` × `height`, followed by nothing decodable. */
function jpegClaiming(width: number, height: number): Uint8Array {
  const sof = [0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03];
  for (let c = 1; c <= 3; c++) sof.push(c, 0x11, 0x00);
  return new Uint8Array([0xff, 0xd8, ...sof, 0xff, 0xd9]);
}

/** Flips `bits` random bits after the first 16 bytes (the magic stays, so it is still "an image"). */
function flipBits(bytes: Uint8Array, bits: number, rng: SeededRandom): Uint8Array {
  const out = bytes.slice();
  for (let i = 0; i < bits; i++) {
    const at = 16 + rng.int(out.length - 16);
    out[at] ^= 1 << rng.int(8);
  }
  return out;
}

function randomBytes(length: number, rng: SeededRandom, prefix: number[] = []): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.int(256);
  out.set(prefix.slice(0, length));
  return out;
}

/** The base photos: the files given (JPEG/PNG), or four generated shapes as PNG and JPEG. */
export async function basePhotos(dir: string | null, count: number, workDir: string): Promise<string[]> {
  if (dir) {
    const files: string[] = [];
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && /\.(jpe?g|png)$/i.test(entry.name)) files.push(`${dir}/${entry.name}`);
    }
    files.sort();
    if (files.length === 0) throw new Error(`${dir} holds no .jpg or .png files`);
    return files.slice(0, count);
  }
  const rng = new SeededRandom(11);
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const image = generateShapeImage(i % 4, 160, rng);
    const path = `${workDir}/shape-${i}.${i % 2 ? "jpg" : "png"}`;
    await Deno.writeFile(path, i % 2 ? encodeJpeg(image, 85) : encodeRgbPng(image));
    paths.push(path);
  }
  return paths;
}

/** Runs Pillow over the photos (see make_variants.py). */
async function pillowVariants(python: string, photos: string[], workDir: string) {
  const script = new URL("./make_variants.py", import.meta.url).pathname;
  const out = await new Deno.Command(python, { args: [script, `${workDir}/variants`, ...photos] }).output();
  if (!out.success) {
    throw new Error(
      `${python} could not make the image variants (it needs Pillow: apt-get install -y python3-pil):\n` +
        new TextDecoder().decode(out.stderr),
    );
  }
  return new TextDecoder().decode(out.stdout).trim().split("\n").map((line) =>
    JSON.parse(line) as { path: string; kind: string; format: string; width: number; height: number }
  );
}

const TYPES: Record<string, string> = { png: "image/png", jpeg: "image/jpeg" };

/**
 * Every case, with its expectation.
 *
 * @example
 * ```ts
 * const cases = await fuzzCases({ photos: await basePhotos(null, 4, dir), python: "/usr/bin/python3", workDir: dir, seed: 1 });
 * ```
 */
export async function fuzzCases(
  options: { photos: string[]; python: string; workDir: string; seed: number },
): Promise<FuzzCase[]> {
  const rng = new SeededRandom(options.seed);
  const cases: FuzzCase[] = [];
  const add = async (c: Omit<FuzzCase, "expect" | "weight"> & Partial<Pick<FuzzCase, "expect" | "weight">>) => {
    cases.push({ weight: 1, expect: (await decodable(c.bytes)) ? "answer" : "refuse", ...c });
  };
  const originals: { name: string; bytes: Uint8Array; type: string }[] = [];
  for (const photo of options.photos) {
    const bytes = await Deno.readFile(photo);
    const type = /\.png$/i.test(photo) ? "image/png" : "image/jpeg";
    originals.push({ name: photo.split("/").pop()!, bytes, type });
    await add({ category: "original photos", name: photo.split("/").pop()!, bytes, contentType: type, weight: 3 });
  }
  for (const v of await pillowVariants(options.python, options.photos, options.workDir)) {
    const bytes = await Deno.readFile(v.path);
    const other = !(v.format in TYPES);
    await add({
      category: other ? "GIF/WebP/BMP/TIFF" : /\d+x\d+/.test(v.kind) ? "1×1, 4000×8, 8×4000" : "PNG/JPEG variants",
      name: v.kind,
      bytes,
      contentType: TYPES[v.format] ?? `image/${v.format}`,
      refuseWith: other ? 415 : undefined,
    });
  }
  for (const o of originals) {
    for (const fraction of [0, 0.01, 0.1, 0.5, 0.9, 0.99]) {
      const cut = Math.max(1, Math.floor(o.bytes.length * fraction));
      await add({
        category: "truncated",
        name: `${o.name}[:${cut}]`,
        bytes: o.bytes.slice(0, cut),
        contentType: o.type,
      });
    }
    for (const bits of [1, 4, 32, 256]) {
      for (let k = 0; k < 2; k++) {
        await add({
          category: "bit-flipped",
          name: `${o.name} ^${bits} #${k}`,
          bytes: flipBits(o.bytes, bits, rng),
          contentType: o.type,
        });
      }
    }
  }
  for (const length of [1, 2, 16, 1024, 100_000]) {
    await add({ category: "random bytes", name: `${length} B`, bytes: randomBytes(length, rng), contentType: null });
    await add({
      category: "random bytes",
      name: `${length} B after a PNG signature`,
      bytes: randomBytes(length + 8, rng, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      contentType: "image/png",
    });
    await add({
      category: "random bytes",
      name: `${length} B after a JPEG SOI`,
      bytes: randomBytes(length + 3, rng, [0xff, 0xd8, 0xff]),
      contentType: "image/jpeg",
    });
  }
  const row = new Uint8Array(1 + 3 * 64);
  for (const [w, h, status] of [[60000, 60000, 413], [1, 2_000_000_000, 413], [0, 0, 400], [0, 5, 400]] as const) {
    await add({
      category: "decompression bombs",
      name: `PNG claiming ${w}×${h}`,
      bytes: pngClaiming(w, h, row),
      contentType: "image/png",
      refuseWith: status,
    });
  }
  for (const [w, h, status] of [[60000, 60000, 413], [0, 0, 400], [65535, 1, 400]] as const) {
    await add({
      category: "decompression bombs",
      name: `JPEG claiming ${w}×${h}`,
      bytes: jpegClaiming(w, h),
      contentType: "image/jpeg",
      refuseWith: status,
    });
  }
  // A real one under the pixel limit: 4000×4000 zeros, 16 MP from a few tens of KB.
  const zeros = new Uint8Array(4000 * (1 + 3 * 4000));
  await add({
    category: "decompression bombs",
    name: "4000×4000 PNG of zeros",
    bytes: pngClaiming(4000, 4000, zeros),
    contentType: "image/png",
    expect: "answer",
    weight: 0.05,
  });
  const png = originals.find((o) => o.type === "image/png") ?? originals[0];
  for (const type of ["image/gif", "text/plain", "application/octet-stream", "image/jpeg", null]) {
    await add({
      category: "wrong content types",
      name: `PNG as ${type ?? "(none)"}`,
      bytes: png.bytes,
      contentType: type,
    });
  }
  await add({
    category: "wrong content types",
    name: "PNG as application/json",
    bytes: png.bytes,
    contentType: "application/json",
    expect: "either",
  });
  const boundary = "----fuzz";
  const enc = (text: string) => new TextEncoder().encode(text);
  const join = (...parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) out.set(p, at), at += p.length;
    return out;
  };
  const part = (name: string, bytes: Uint8Array) =>
    join(
      enc(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="x"\r\n\r\n`),
      bytes,
      enc("\r\n"),
    );
  const multipart: [string, Uint8Array, string][] = [
    ["no closing boundary", part("image", png.bytes), `multipart/form-data; boundary=${boundary}`],
    [
      "boundary mismatch",
      join(part("image", png.bytes), enc(`--${boundary}--\r\n`)),
      "multipart/form-data; boundary=other",
    ],
    ["no boundary parameter", join(part("image", png.bytes), enc(`--${boundary}--\r\n`)), "multipart/form-data"],
    ["garbage body", randomBytes(2048, rng), `multipart/form-data; boundary=${boundary}`],
    [
      "field named file",
      join(part("file", png.bytes), enc(`--${boundary}--\r\n`)),
      `multipart/form-data; boundary=${boundary}`,
    ],
    [
      "empty image field",
      join(part("image", new Uint8Array()), enc(`--${boundary}--\r\n`)),
      `multipart/form-data; boundary=${boundary}`,
    ],
    [
      "headers without a blank line",
      enc(`--${boundary}\r\nContent-Disposition: form-data; name="image"\r\n--${boundary}--`),
      `multipart/form-data; boundary=${boundary}`,
    ],
  ];
  for (const [name, bytes, type] of multipart) {
    cases.push({
      category: "malformed multipart",
      name,
      bytes,
      contentType: type,
      expect: "refuse",
      rawBody: true,
      weight: 1,
    });
  }
  await add({
    category: "random bytes",
    name: "empty body",
    bytes: new Uint8Array(),
    contentType: "image/png",
    refuseWith: 400,
  });
  return cases;
}
