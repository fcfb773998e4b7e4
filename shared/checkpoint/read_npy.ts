/**
 * Reads NumPy `.npy` files holding little-endian float32 arrays (what `numpy.save` writes
 * for `np.float32` data), for feeding exact tensors into the model in parity checks.
 *
 * @module
 */

/** A file that is not a float32 `.npy` array this reader supports. */
export class NpyFormatError extends Error {
  override name = "NpyFormatError";
}

/** The array's shape and values in C (row-major) order. */
export interface NpyArray {
  shape: number[];
  data: Float32Array;
}

/**
 * @example
 * ```ts
 * const { shape, data } = readNpy(await Deno.readFile("input.npy"));
 * ```
 */
export function readNpy(bytes: Uint8Array): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || !magic.every((b, i) => bytes[i] === b)) {
    throw new NpyFormatError("not a .npy file (bad magic)");
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder("latin1").decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new NpyFormatError("malformed .npy header");
  }
  if (descr !== "<f4") {
    throw new NpyFormatError(`.npy dtype ${descr} is not little-endian float32 (<f4); save with np.float32`);
  }
  if (fortran === "True") {
    throw new NpyFormatError(".npy is in Fortran order; save a C-ordered array (np.ascontiguousarray)");
  }
  const shape = shapeText.split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = headerStart + headerLength;
  if (bytes.length - offset !== count * 4) {
    throw new NpyFormatError(`.npy holds ${bytes.length - offset} data bytes, shape (${shape}) needs ${count * 4}`);
  }
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = view.getFloat32(offset + i * 4, true);
  return { shape, data };
}

/** Writes a C-ordered float32 `.npy` (version 1.0), the inverse of {@linkcode readNpy}. */
export function writeNpy(shape: number[], data: Float32Array): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(", ")}${
    shape.length === 1 ? "," : ""
  }), }`;
  const unpadded = 10 + header.length + 1;
  header += " ".repeat((64 - (unpadded % 64)) % 64) + "\n";
  const out = new Uint8Array(10 + header.length + data.length * 4);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  data.forEach((v, i) => view.setFloat32(10 + header.length + i * 4, v, true));
  return out;
}
