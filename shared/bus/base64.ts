/**
 * Base64 for binary payloads inside JSON messages (images in requests, float32 vectors).
 *
 * @module
 */

/** Standard base64 of `bytes`, built in 32 KiB chunks to stay within argument limits. */
export function bytesToBase64(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** Decodes standard base64; throws on malformed input. */
export function bytesFromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
}

/** A float32 vector as base64 of its little-endian bytes (how embeddings travel and are stored). */
export function float32ToBase64(vector: Float32Array): string {
  return bytesToBase64(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength));
}

/** The inverse of {@linkcode float32ToBase64}; throws when the length is not a multiple of 4. */
export function float32FromBase64(text: string): Float32Array {
  const bytes = bytesFromBase64(text);
  if (bytes.byteLength % 4 !== 0) throw new RangeError("a float32 vector's bytes must be a multiple of 4");
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}
