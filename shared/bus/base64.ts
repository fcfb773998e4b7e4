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
