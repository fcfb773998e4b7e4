/**
 * Reads an image's width and height from its header alone (PNG IHDR, JPEG SOFn), so a
 * service can refuse a huge image before spending memory on decoding it.
 *
 * @module
 */
import { ImageDecodeError, sniffImageType, unsupportedImage } from "./decode_image.ts";

/** Format and pixel size from the header. */
export interface ImageSize {
  type: "jpeg" | "png";
  width: number;
  height: number;
}

const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/**
 * @example
 * ```ts
 * const { width, height } = readImageSize(bytes);
 * if (width * height > 40e6) throw new Error("too many pixels");
 * ```
 */
export function readImageSize(bytes: Uint8Array): ImageSize {
  if (bytes.length === 0) throw new ImageDecodeError("the image is empty (0 bytes)");
  const type = sniffImageType(bytes);
  if (type === null) throw unsupportedImage(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (type === "png") {
    if (bytes.length < 24 || String.fromCharCode(...bytes.subarray(12, 16)) !== "IHDR") {
      throw new ImageDecodeError("corrupt or truncated PNG: no IHDR header");
    }
    return { type, width: view.getUint32(16), height: view.getUint32(20) };
  }
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) throw new ImageDecodeError(`corrupt JPEG: no marker at byte ${offset}`);
    const marker = bytes[offset + 1];
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2; // markers without a length
      continue;
    }
    const length = view.getUint16(offset + 2);
    if (SOF_MARKERS.has(marker)) {
      if (offset + 9 > bytes.length) break;
      return { type, height: view.getUint16(offset + 5), width: view.getUint16(offset + 7) };
    }
    if (marker === 0xda || marker === 0xd9) throw new ImageDecodeError("corrupt JPEG: no frame header before the scan");
    offset += 2 + length;
  }
  throw new ImageDecodeError("corrupt or truncated JPEG: the header ends before the frame size");
}
