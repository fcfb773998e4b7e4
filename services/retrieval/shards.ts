/**
 * Which retrieval shard owns an image: `--shard I/N` owns the ids whose FNV-1a hash is I mod N.
 * Every shard keeps the whole catalogue (metadata, duplicates) but indexes only its own ids.
 *
 * @module
 */
import { UsageError } from "../../shared/cli/mod.ts";

/** Shard `index` of `count`. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** Parses `I/N` (0 ≤ I < N); a one-line usage error otherwise. */
export function parseShard(text: string): ShardSpec {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const [index, count] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  if (!match || count < 1 || index >= count) {
    throw new UsageError(`--shard must be I/N with 0 ≤ I < N (e.g. 0/3), got "${text}"`);
  }
  return { index, count };
}

/** The shard (0 … count−1) that owns `id`: 32-bit FNV-1a of its UTF-8 bytes, mod count. */
export function shardOf(id: string, count: number): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(id)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash % count;
}

/** "I/N". */
export const shardName = (spec: ShardSpec) => `${spec.index}/${spec.count}`;
