/**
 * What the serialisers' in-place writers (`Serialiser.writeSmall`) share:
 * the walk over a small flat map, each serialiser supplying its own map
 * head and its own key and scalar writers.
 */

/** Writes one key or scalar at `out[pos]`, never at or past `limit`: the end, or -1 to decline. */
export type SmallWriter = (value: unknown, out: Uint8Array, pos: number, limit: number) => number;

/**
 * Writes a plain object of at most 15 entries whose one-byte map head is
 * `headBase | count` (msgpack fixmap 0x80, CBOR 0xa0), each key by
 * `writeKey` and each value by `writeScalar`. -1 for any other object, an
 * entry a writer declines, or no room.
 */
export function writeSmallMap(value: object, out: Uint8Array, pos: number, limit: number, headBase: number, writeKey: SmallWriter, writeScalar: SmallWriter): number {
  if (Object.getPrototypeOf(value) !== Object.prototype || pos >= limit) return -1;
  const head = pos++;
  let count = 0;
  for (const key in value) {
    if (++count > 15) return -1;
    pos = writeKey(key, out, pos, limit);
    if (pos < 0) return -1;
    pos = writeScalar((value as Record<string, unknown>)[key], out, pos, limit);
    if (pos < 0) return -1;
  }
  out[head] = headBase | count;
  return pos;
}
