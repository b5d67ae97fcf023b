/**
 * Detects binary values in a payload, so a payload bound for a serialiser
 * that cannot carry bytes (JSON) is written with msgpack instead
 * (PROTOCOL.md decision 4, §8).
 */
import { isWireFloat } from '../values.ts';

/** A trait {@link traits} looks for: binary data (an ArrayBuffer or any view of one). */
export const HAS_BYTES = 1;
/** A trait {@link traits} looks for: a value JSON.stringify writes wrongly or refuses (NaN, ±Infinity, −0, a bigint, a WireFloat, a Map, a Set), JSON's exact part's to write (json.ts). */
export const NEEDS_REPLACER = 2;
/** A trait {@link traits} reports: the value nests deeper than the walk looked, so what lies below is unknown. */
export const TOO_DEEP = 4;

/** How deep the walks look (they recurse, so they are bounded). The JSON writer refuses what nests deeper (json.ts). */
export const MAX_WALK_DEPTH = 512;

/**
 * True when `value` holds a `Uint8Array` (or any ArrayBuffer view, or an
 * ArrayBuffer) anywhere within MAX_WALK_DEPTH levels. Stops at the first
 * hit. Deeper levels are not searched: the JSON writer refuses such a
 * value (stringifyJson) rather than write bytes there as objects.
 */
export function containsBytes(value: unknown): boolean {
  return (traits(value, HAS_BYTES, MAX_WALK_DEPTH) & HAS_BYTES) !== 0;
}

/**
 * The traits (HAS_BYTES, NEEDS_REPLACER) `value` has within `depthLeft`
 * levels: one walk serves the bytes check and JSON's replacer check, and
 * stops as soon as it found one of `want`.
 */
export function traits(value: unknown, want: number, depthLeft: number): number {
  if (typeof value !== 'object' || value === null) return scalarTraits(value);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return HAS_BYTES;
  if (depthLeft <= 0) return TOO_DEEP;
  let found = 0;
  if (value instanceof Map || value instanceof Set) {
    // JSON writes a Map or a Set through the replacer (JSON.stringify makes {} of both); only the bytes check needs
    // their values (rare: msgpack's non-string keys).
    found = NEEDS_REPLACER;
    if ((want & NEEDS_REPLACER) !== 0) return found;
    value = [...(value as Map<unknown, unknown> | Set<unknown>).values()];
  }
  if (Array.isArray(value)) {
    for (let k = 0; k < value.length && (found & want) === 0; k++) found |= child(value[k], want, depthLeft);
    return found;
  }
  if (isWireFloat(value as object)) return NEEDS_REPLACER;
  for (const key in value as object) if (((found |= child((value as Record<string, unknown>)[key], want, depthLeft)) & want) !== 0) break;
  return found;
}

// Scalars are told apart here, not by a call to the recursive `traits`: that call per scalar cost +0.12 us on a 50-leaf payload.
function child(item: unknown, want: number, depthLeft: number): number {
  return typeof item === 'object' && item !== null ? traits(item, want, depthLeft - 1) : scalarTraits(item);
}

/** NaN, ±Infinity, −0 and bigints need JSON's replacer; other scalars need nothing. */
function scalarTraits(value: unknown): number {
  return typeof value === 'number' ? (Number.isFinite(value) && !Object.is(value, -0) ? 0 : NEEDS_REPLACER) : typeof value === 'bigint' ? NEEDS_REPLACER : 0;
}

/** The bytes of a binary value (an ArrayBuffer, or any view of one: a typed array, a DataView) as a Uint8Array, else undefined. */
export function bytesOf(value: object): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return value instanceof ArrayBuffer ? new Uint8Array(value) : undefined;
}

/** A plain Uint8Array view of `bytes` (a Node Buffer source would make msgpackr/cbor-x return Buffers). */
export function plain(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}
