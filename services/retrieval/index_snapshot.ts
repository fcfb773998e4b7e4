/**
 * A compact index as stored in the object store (`indexes/<embeddings subject>` in
 * `alexnet-images`), so a restarted or new replica loads it instead of rebuilding: the index's
 * bytes, the stream sequence of the embeddings subject it covers (everything after it is read
 * back on load), and each id's image sha256 (an id deleted and re-added with another image is
 * re-read, not trusted).
 *
 * @module
 */
import { CompactIndex } from "./compact/compact_index.ts";

const SCHEMA = "alexnet.retrieval.index-snapshot/v1";

/** What a snapshot holds besides the index. */
export interface SnapshotHeader {
  subject: string;
  /** Embeddings of `subject` up to this stream sequence are in the index. */
  seq: number;
  /** id → sha256 of its image. */
  shas: Record<string, string>;
}

export function encodeIndexSnapshot(header: SnapshotHeader, index: CompactIndex): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify({ schema: SCHEMA, ...header }));
  const body = index.encode();
  const out = new Uint8Array(4 + json.length + body.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 4);
  out.set(body, 4 + json.length);
  return out;
}

/** Reads {@linkcode encodeIndexSnapshot}'s bytes; throws on anything else. */
export function decodeIndexSnapshot(bytes: Uint8Array): SnapshotHeader & { index: CompactIndex } {
  const length = bytes.byteLength >= 4 ? new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true) : -1;
  let header: SnapshotHeader & { schema?: string };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length)));
  } catch {
    throw new Error("not an index snapshot");
  }
  if (header.schema !== SCHEMA) throw new Error(`not an index snapshot (${String(header.schema)})`);
  return {
    subject: header.subject,
    seq: header.seq,
    shas: header.shas,
    index: CompactIndex.decode(bytes.subarray(4 + length)),
  };
}
