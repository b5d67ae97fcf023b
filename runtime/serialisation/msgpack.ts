/**
 * The `m` serialiser: MessagePack via msgpackr (PROTOCOL.md §3).
 *
 * Plain msgpack that Python's `msgpack` reads: no records extension
 * (`useRecords: false`), string map keys, `undefined` as nil, minimal map
 * headers. int64 values decode to numbers when safe and to bigint beyond
 * ±2^53 (`int64AsType: 'auto'`); bigints encode as int64/uint64.
 *
 * Binary values are copied out of a source under LARGE_BYTES
 * (`copyBuffers`) and are views of a larger one, which is memory of its
 * own (see Serialiser.decode); the source is always handed over as a plain
 * Uint8Array view, so decoded bytes are plain Uint8Arrays.
 *
 * The bare `msgpackr` import resolves to its browser build under the
 * `browser` export condition and to the Node build otherwise.
 */
import { Packr, RESERVE_START_SPACE, REUSE_BUFFER_MODE, Unpackr } from 'msgpackr';
import { ErrorCode, SparrowError } from '../errors.ts';
import { msgpackOver } from './budget.ts';
import { plain } from './bytes.ts';
import { isStackOverflow, nestingError } from './depth.ts';
import { encodeExactMsgpack, needsExactEncoding } from './exact.ts';
import { objectsForStringKeys } from './map-keys.ts';
import { msgpackShape } from './scan.ts';
import { DEFAULT_MAX_DEPTH, LARGE_BYTES, MAX_HEADROOM, type PackedSpan, type Serialiser } from './serialiser.ts';
import { writeSmallMap } from './small-values.ts';
import { isWireFloat } from '../values.ts';

export { MAX_HEADROOM, type PackedSpan };

const packr = /* @__PURE__ */ new Packr({ useRecords: false, variableMapSize: true, encodeUndefinedAsNil: true });
// 'auto' exists at runtime (number when safe, bigint beyond) but is missing from msgpackr's typings.
const unpackr = /* @__PURE__ */ new Unpackr({ useRecords: false, mapsAsObjects: true, copyBuffers: true, int64AsType: 'auto' as 'bigint' });
// For input of LARGE_BYTES or more: binary values are views of it, which saves a copy of every blob (half the receive cost of 1 MiB).
const viewUnpackr = /* @__PURE__ */ new Unpackr({ useRecords: false, mapsAsObjects: true, copyBuffers: false, int64AsType: 'auto' as 'bigint' });
// For the rare value with a map keyed by something else than strings: every map a Map (see map-keys.ts).
const mapUnpackr = /* @__PURE__ */ new Unpackr({ useRecords: false, mapsAsObjects: false, copyBuffers: true, int64AsType: 'auto' as 'bigint' });

// msgpackr caches a DataView as a new property on the array it decodes: for a fresh view per
// part that costs a DataView and a typed-array shape change on every call, about a third of
// decoding a small message. Small inputs are copied into one reused array instead (its
// DataView made once); the copy of a few hundred bytes is far cheaper.
const SCRATCH_SIZE = 1024;
/** Inputs up to this size try unpackSmall first (an envelope, small params, a scalar result). */
const SMALL_SIZE = 128;
const scratch = /* @__PURE__ */ new Uint8Array(SCRATCH_SIZE);

/** The `m` serialiser. */
export const msgpackSerialiser: Serialiser = {
  code: 'm',
  canCarryBytes: true,
  encode(value: unknown): Uint8Array {
    try {
      // Wide integers, -0 and lone surrogates: msgpackr would change them (exact.ts).
      if (needsExactEncoding(value, false)) return encodeExactMsgpack(value);
      return packr.pack(value) as Uint8Array;
    } catch (error) {
      throw encodeError(error);
    }
  },
  decode(bytes: Uint8Array, maxDepth: number = DEFAULT_MAX_DEPTH): unknown {
    let value: unknown;
    try {
      const length = bytes.length;
      if (length <= SMALL_SIZE) {
        // Flat, so no nesting check either.
        const small = unpackSmall(bytes);
        if (small !== NOT_SMALL) return small;
      }
      // The scan refuses extensions and malformed input, and measures the nesting: too deep is refused before
      // msgpackr recurses into it, and no walk follows.
      const shape = msgpackShape(bytes);
      if (shape.depth > maxDepth) throw nestingError(maxDepth);
      if (shape.nonStringKeys) return objectsForStringKeys(mapUnpackr.unpack(plain(bytes)));
      if (length > 0 && length <= SCRATCH_SIZE) {
        // Small input: decoded from the reused scratch (copyBuffers, so nothing points into it).
        scratch.set(bytes);
        return unpackr.unpack(scratch, length);
      }
      return (length >= LARGE_BYTES ? viewUnpackr : unpackr).unpack(plain(bytes));
    } catch (error) {
      if (error instanceof SparrowError) throw error;
      if (isStackOverflow(error)) throw nestingError(maxDepth, error);
      throw new SparrowError(ErrorCode.SerialisationError, `invalid msgpack: ${(error as Error).message}`, { cause: error });
    }
  },
  exceedsElements: msgpackOver,
  encodeWithHeadroom: packWithHeadroom,
  encodeBytesHeader: packBytesHeader,
  writeSmall,
};

function encodeError(error: unknown): SparrowError {
  return new SparrowError(ErrorCode.SerialisationError, `cannot encode as msgpack: ${(error as Error).message}`, { cause: error });
}

// Reused result: packWithHeadroom's caller consumes it at once (one object less per message).
const span: PackedSpan = { buffer: /* @__PURE__ */ new Uint8Array(0), start: 0, end: 0 };

/**
 * Packs `value` with `headroom` free bytes in front of it and one free byte
 * after it, all in msgpackr's own buffer. This lets the envelope codec write
 * the chain's prefix and part headers in front and EOC behind, so a payload
 * is copied once (by msgpackr) instead of twice (again into a chain buffer).
 *
 * Safe to keep: msgpackr only ever moves forward in its buffer (a full
 * buffer is replaced, never rewound), so bytes it returned are never
 * written again; the EOC byte is claimed by moving its position past it.
 * Returns undefined in the rare case the buffer has no byte left after the
 * value, or when the value needs the exact encoder (the caller then encodes
 * the usual way). The returned span is
 * reused by the next call.
 *
 * @throws SparrowError `serialisation-error` as `encode`.
 */
export function packWithHeadroom(value: unknown, headroom: number): PackedSpan | undefined {
  if (needsExactEncoding(value, false)) return undefined;
  let target: Uint8Array & { start?: number; end?: number };
  try {
    // REUSE_BUFFER_MODE: msgpackr returns its buffer with start/end instead of a fresh view.
    target = packr.pack(value, REUSE_BUFFER_MODE | RESERVE_START_SPACE | headroom) as Uint8Array & { start?: number; end?: number };
  } catch (error) {
    throw encodeError(error);
  }
  const end = target.end;
  // Anything but a position at `end` with a byte to spare means msgpackr changed under us.
  if (end === undefined || target.start === undefined || packr.position !== end || end >= target.length) return undefined;
  packr.position = end + 1;
  span.buffer = target;
  span.start = target.start;
  span.end = end;
  return span;
}

const bytesHeader = /* @__PURE__ */ new Uint8Array(5);

/**
 * The bin32 header of a large binary value (what msgpackr writes for a
 * Uint8Array this long: 0xc6, big-endian uint32 length), so the codec can
 * send the bytes themselves after it. Going through msgpackr would copy
 * them into its buffer, which is replaced by one ~4× the message whenever
 * it is too small (1 MiB blobs: ~1.33 MiB fresh per message, GC and RSS to
 * match).
 */
function packBytesHeader(value: unknown): Uint8Array | undefined {
  if (!(value instanceof Uint8Array) || value.length < LARGE_BYTES || value.length > 0xffffffff) return undefined;
  const length = value.length;
  bytesHeader[0] = 0xc6;
  bytesHeader[1] = length >>> 24;
  bytesHeader[2] = (length >>> 16) & 0xff;
  bytesHeader[3] = (length >>> 8) & 0xff;
  bytesHeader[4] = length & 0xff;
  return bytesHeader;
}

/**
 * Writes what unpackSmall reads, byte for byte as msgpackr packs it (with
 * this module's options), without msgpackr's per-call set-up: a scalar
 * (null or undefined as nil, booleans, numbers, ASCII strings under 256
 * characters) or a plain object of at most 15 such values under ASCII keys.
 * Writes at `out[pos]`, never at or past `limit`; returns the end, or -1 to
 * decline (anything else, or no room), when bytes from `pos` on may have
 * been overwritten but nothing else changed.
 */
export function writeSmall(value: unknown, out: Uint8Array, pos: number, limit: number): number {
  if (typeof value !== 'object' || value === null || isWireFloat(value)) return writeSmallScalar(value, out, pos, limit);
  return writeSmallMap(value, out, pos, limit, 0x80, writeAsciiKey, writeSmallScalar);
}

function writeAsciiKey(key: unknown, out: Uint8Array, pos: number, limit: number): number {
  return writeAscii(out, pos, key as string, limit);
}

// Big-endian float64 bytes are written from this little-endian scratch (no DataView per value).
const float64Out = /* @__PURE__ */ new Float64Array(1);
const float64OutBytes = /* @__PURE__ */ new Uint8Array(float64Out.buffer);

/** One scalar as msgpackr packs it (the branches of its `pack` for numbers); -1 for anything else or no room. */
function writeSmallScalar(value: unknown, out: Uint8Array, pos: number, limit: number): number {
  switch (typeof value) {
    case 'string':
      return writeAscii(out, pos, value, limit);
    case 'number': {
      // -0 passes the integer tests below but must stay a float: left to encode (exact.ts).
      if (pos + 9 > limit || Object.is(value, -0)) return -1;
      if (value >>> 0 === value) {
        if (value < 0x80) out[pos++] = value;
        else if (value < 0x100) {
          out[pos++] = 0xcc;
          out[pos++] = value;
        } else if (value < 0x10000) {
          out[pos++] = 0xcd;
          out[pos++] = value >> 8;
          out[pos++] = value & 0xff;
        } else {
          out[pos++] = 0xce;
          out[pos++] = value >>> 24;
          out[pos++] = (value >> 16) & 0xff;
          out[pos++] = (value >> 8) & 0xff;
          out[pos++] = value & 0xff;
        }
      } else if (value >> 0 === value) {
        if (value >= -0x20) out[pos++] = 0x100 + value;
        else if (value >= -0x80) {
          out[pos++] = 0xd0;
          out[pos++] = value + 0x100;
        } else if (value >= -0x8000) {
          out[pos++] = 0xd1;
          out[pos++] = (value >> 8) & 0xff;
          out[pos++] = value & 0xff;
        } else {
          out[pos++] = 0xd2;
          out[pos++] = (value >> 24) & 0xff;
          out[pos++] = (value >> 16) & 0xff;
          out[pos++] = (value >> 8) & 0xff;
          out[pos++] = value & 0xff;
        }
      } else {
        // Wide integers are msgpackr's floats but Python's ints: left to encode (exact.ts).
        if (Number.isInteger(value)) return -1;
        return writeFloat64(out, pos, value);
      }
      return pos;
    }
    case 'boolean':
      if (pos >= limit) return -1;
      out[pos++] = value ? 0xc3 : 0xc2;
      return pos;
    case 'undefined':
      if (pos >= limit) return -1;
      out[pos++] = 0xc0;
      return pos;
    case 'object':
      // A schema float that is integral (values.ts) goes as a float64, as exact.ts writes it.
      if (value !== null) return pos + 9 <= limit && isWireFloat(value) ? writeFloat64(out, pos, value.value) : -1;
      if (pos >= limit) return -1;
      out[pos++] = 0xc0;
      return pos;
    default:
      return -1;
  }
}

/** `value` as msgpack float64 (0xcb); the caller checked 9 bytes of room. */
function writeFloat64(out: Uint8Array, pos: number, value: number): number {
  out[pos++] = 0xcb;
  float64Out[0] = value;
  for (let k = 7; k >= 0; k--) out[pos++] = float64OutBytes[k]!;
  return pos;
}

/** An ASCII string under 256 characters as fixstr or str8; -1 for anything else or no room. */
function writeAscii(out: Uint8Array, pos: number, text: string, limit: number): number {
  const length = text.length;
  if (length >= 0x100 || pos + (length < 0x20 ? 1 : 2) + length > limit) return -1;
  if (length < 0x20) {
    out[pos++] = 0xa0 | length;
  } else {
    out[pos++] = 0xd9;
    out[pos++] = length;
  }
  for (let k = 0; k < length; k++) {
    const code = text.charCodeAt(k);
    if (code >= 0x80) return -1;
    out[pos++] = code;
  }
  return pos;
}

/** unpackSmall's answer for input it leaves to msgpackr. */
export const NOT_SMALL: unique symbol = Symbol('not-small');

// Big-endian float64 bytes are reversed into this little-endian scratch to be read (no DataView per value).
const float64 = /* @__PURE__ */ new Float64Array(1);
const float64Bytes = /* @__PURE__ */ new Uint8Array(float64.buffer);

/**
 * Reads the small values nearly every message carries, the way msgpackr
 * would, without its per-call set-up (state, a DataView, caches): a scalar
 * (nil as null, booleans, integers up to 32 bits, float64, ASCII strings)
 * or a map of ASCII string keys to such scalars: an envelope, `{a, b}`
 * params, a number result. Anything else (other types, non-ASCII text,
 * nesting, a `__proto__` key, which msgpackr renames, trailing or missing
 * bytes) is NOT_SMALL, never an error: msgpackr then reads it as usual.
 */
export function unpackSmall(bytes: Uint8Array): unknown {
  const length = bytes.length;
  if (length === 0) return NOT_SMALL;
  const head = bytes[0]!;
  let count: number;
  let pos: number;
  if ((head & 0xf0) === 0x80) {
    count = head & 0x0f;
    pos = 1;
  } else if (head === 0xde && length >= 3) {
    // map16: what msgpackr writes for every map unless told variableMapSize.
    count = (bytes[1]! << 8) | bytes[2]!;
    pos = 3;
  } else {
    const end = readScalar(bytes, 0, length);
    return end === length ? scalar : NOT_SMALL;
  }
  const out: Record<string, unknown> = {};
  for (let k = 0; k < count; k++) {
    pos = readScalar(bytes, pos, length);
    const key = scalar;
    if (pos < 0 || typeof key !== 'string' || key === '__proto__') return NOT_SMALL;
    pos = readScalar(bytes, pos, length);
    if (pos < 0) return NOT_SMALL;
    out[key] = scalar;
  }
  return pos === length ? out : NOT_SMALL;
}

/** readScalar's value (a module variable: no result object per value). */
let scalar: unknown;

/** Reads one scalar at `pos` into `scalar`; returns the position after it, or -1 when it is not one unpackSmall takes. */
function readScalar(bytes: Uint8Array, pos: number, length: number): number {
  if (pos >= length) return -1;
  const tag = bytes[pos++]!;
  if (tag < 0x80) {
    scalar = tag;
    return pos;
  }
  if (tag >= 0xe0) {
    scalar = tag - 0x100;
    return pos;
  }
  if (tag >= 0xa0 && tag <= 0xbf) return readAscii(bytes, pos, tag - 0xa0, length);
  switch (tag) {
    case 0xc0:
      scalar = null;
      return pos;
    case 0xc2:
      scalar = false;
      return pos;
    case 0xc3:
      scalar = true;
      return pos;
    case 0xcc:
      if (pos + 1 > length) return -1;
      scalar = bytes[pos]!;
      return pos + 1;
    case 0xcd:
      if (pos + 2 > length) return -1;
      scalar = (bytes[pos]! << 8) | bytes[pos + 1]!;
      return pos + 2;
    case 0xce:
      if (pos + 4 > length) return -1;
      scalar = ((bytes[pos]! << 24) >>> 0) + ((bytes[pos + 1]! << 16) | (bytes[pos + 2]! << 8) | bytes[pos + 3]!);
      return pos + 4;
    case 0xd0:
      if (pos + 1 > length) return -1;
      scalar = (bytes[pos]! << 24) >> 24;
      return pos + 1;
    case 0xd1:
      if (pos + 2 > length) return -1;
      scalar = (((bytes[pos]! << 8) | bytes[pos + 1]!) << 16) >> 16;
      return pos + 2;
    case 0xd2:
      if (pos + 4 > length) return -1;
      scalar = (bytes[pos]! << 24) | (bytes[pos + 1]! << 16) | (bytes[pos + 2]! << 8) | bytes[pos + 3]!;
      return pos + 4;
    case 0xcb:
      if (pos + 8 > length) return -1;
      for (let k = 0; k < 8; k++) float64Bytes[7 - k] = bytes[pos + k]!;
      scalar = float64[0];
      return pos + 8;
    case 0xd9:
      if (pos + 1 > length) return -1;
      return readAscii(bytes, pos + 1, bytes[pos]!, length);
    default:
      return -1;
  }
}

/**
 * Recently read short strings by a hash of their bytes. Messages repeat the
 * same few (envelope keys, ".5", param names, targets, namespaces): a hit
 * allocates nothing, and a key V8 has already internalised is not looked
 * up in its string table again on every property store.
 */
const SHORT_STRINGS = 512;
const MAX_SHORT_STRING = 24;
const shortStrings: (string | undefined)[] = /* @__PURE__ */ new Array<string | undefined>(SHORT_STRINGS).fill(undefined);

function readAscii(bytes: Uint8Array, pos: number, size: number, length: number): number {
  const end = pos + size;
  if (end > length) return -1;
  let hash = size;
  for (let k = pos; k < end; k++) {
    const code = bytes[k]!;
    if (code >= 0x80) return -1;
    hash = (Math.imul(hash, 31) + code) | 0;
  }
  if (size > MAX_SHORT_STRING) {
    scalar = asciiText(bytes, pos, end);
    return end;
  }
  const slot = (hash ^ (hash >>> 11)) & (SHORT_STRINGS - 1);
  const cached = shortStrings[slot];
  if (cached !== undefined && cached.length === size && sameAscii(cached, bytes, pos)) scalar = cached;
  else scalar = shortStrings[slot] = asciiText(bytes, pos, end);
  return end;
}

function sameAscii(text: string, bytes: Uint8Array, pos: number): boolean {
  for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) !== bytes[pos + k]) return false;
  return true;
}

function asciiText(bytes: Uint8Array, pos: number, end: number): string {
  let text = '';
  for (let k = pos; k < end; k++) text += String.fromCharCode(bytes[k]!);
  return text;
}
