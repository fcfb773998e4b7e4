/**
 * Frees the memory behind typed arrays a pipeline made and no longer needs, now rather than at
 * V8's next collection. V8 counts ArrayBuffer memory as "external" and collects it late: a
 * classify makes about 4 MB of pixel buffers (decoded image, resize staging, resized image,
 * crops, the normalised input), and under steady load tens of MB of them wait for collection —
 * in an edge isolate of 128–256 MB that is the difference between fitting and not. Detaching a
 * buffer (`ArrayBuffer.prototype.transfer(0)`) releases its memory at once; any view of it
 * reads as empty afterwards, so only buffers the caller made itself and is done with may be
 * given here.
 *
 * @module
 */

/**
 * @example
 * ```ts
 * const staging = new Uint8Array(width * height * 4);
 * // … use it …
 * releaseBuffers(staging);
 * ```
 */
export function releaseBuffers(...views: ArrayBufferView[]): void {
  for (const view of views) {
    const buffer = view.buffer;
    // A WebAssembly memory's or a shared buffer cannot be detached: it stays for the collector.
    if (!(buffer instanceof ArrayBuffer) || buffer.detached) continue;
    try {
      buffer.transfer(0);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
    }
  }
}
