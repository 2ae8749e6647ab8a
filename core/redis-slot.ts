/**
 * Redis Cluster hash slots, computed as Redis does: CRC16 (XMODEM: polynomial 0x1021, initial 0,
 * no reflection, no final XOR) of the key's bytes, modulo 16384. When the key holds a `{` with a
 * `}` somewhere after it and at least one character between them, only those characters (the hash
 * tag) are hashed: the first `{` and the first `}` after it. `{}` (an empty tag) hashes the whole
 * key. Keys are hashed as UTF-8, as ioredis sends them.
 */

export const SLOT_COUNT = 16384;

const TABLE = ((): Uint16Array => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

/** CRC16/XMODEM of `data` ("123456789" → 0x31C3). */
export function crc16(data: Uint8Array): number {
  let crc = 0;
  for (const byte of data) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc;
}

/** The part of `key` Redis hashes: its hash tag when it has a non-empty one, else the whole key. */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  if (close < 0 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

/** The cluster slot of `key` (0-16383). */
export function keySlot(key: string | Buffer): number {
  const bytes = typeof key === 'string' ? Buffer.from(hashTag(key), 'utf8') : tagBytes(key);
  return crc16(bytes) % SLOT_COUNT;
}

/** The hash-tag rule on raw bytes (a Buffer key). */
function tagBytes(key: Buffer): Buffer {
  const open = key.indexOf(0x7b);
  if (open < 0) return key;
  const close = key.indexOf(0x7d, open + 1);
  if (close < 0 || close === open + 1) return key;
  return key.subarray(open + 1, close);
}

/**
 * Two keys of `keys` in different slots, or undefined when they all share one. Keys with the same
 * hash tag are known to share a slot without hashing; each distinct tag is hashed once per call
 * (and once per process with `cache`).
 */
export function slotConflict(
  keys: readonly string[],
  cache?: Map<string, number>,
): { first: string; other: string; slots: [number, number] } | undefined {
  if (keys.length < 2) return undefined;
  const firstTag = hashTag(keys[0]!);
  let firstSlot: number | undefined;
  for (let i = 1; i < keys.length; i++) {
    const tag = hashTag(keys[i]!);
    if (tag === firstTag) continue;
    firstSlot ??= tagSlot(firstTag, cache);
    const slot = tagSlot(tag, cache);
    if (slot !== firstSlot) return { first: keys[0]!, other: keys[i]!, slots: [firstSlot, slot] };
  }
  return undefined;
}

const CACHE_LIMIT = 10_000;

function tagSlot(tag: string, cache: Map<string, number> | undefined): number {
  const hit = cache?.get(tag);
  if (hit !== undefined) return hit;
  const slot = crc16(Buffer.from(tag, 'utf8')) % SLOT_COUNT;
  if (cache) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(tag, slot);
  }
  return slot;
}
