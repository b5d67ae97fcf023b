/**
 * The `c` serialiser: CBOR via cbor-x (PROTOCOL.md §3).
 *
 * Plain CBOR that Python's `cbor2` reads: no records or structured-clone
 * extensions, no tag 64 on byte strings (`tagUint8Array: false`), no tag 259
 * on maps, minimal map headers. cbor-x decodes every 8-byte integer as
 * bigint; values in the safe range are turned back into numbers, so only
 * integers beyond ±(2^53 − 1) stay bigint.
 *
 * The bare `cbor-x` import resolves to its browser build outside Node.
 */
import { Decoder, Encoder } from 'cbor-x';
import { ErrorCode, SparrowError } from '../errors.ts';
import { cborOver } from './budget.ts';
import { isWireFloat } from '../values.ts';
import { plain } from './bytes.ts';
import { isStackOverflow, nestingError } from './depth.ts';
import { encodeExactCbor, needsExactEncoding } from './exact.ts';
import { objectsForStringKeys } from './map-keys.ts';
import { cborShape } from './scan.ts';
import { DEFAULT_MAX_DEPTH, LARGE_BYTES, type Serialiser } from './serialiser.ts';
import { writeSmallMap } from './small-values.ts';

// A variable rather than a literal: `useTag259ForMaps` is missing from cbor-x's typings.
const encoderOptions = {
  useRecords: false,
  mapsAsObjects: true,
  variableMapSize: true,
  tagUint8Array: false,
  useTag259ForMaps: false,
  pack: false,
};
const encoder = /* @__PURE__ */ new Encoder(encoderOptions);
const decoder = /* @__PURE__ */ new Decoder({ useRecords: false, mapsAsObjects: true, copyBuffers: true });
// For input of LARGE_BYTES or more: byte strings are views of it instead of copies (see Serialiser.decode).
const viewDecoder = /* @__PURE__ */ new Decoder({ useRecords: false, mapsAsObjects: true, copyBuffers: false });
// For the rare value with a map keyed by something else than strings: every map a Map (see map-keys.ts).
const mapDecoder = /* @__PURE__ */ new Decoder({ useRecords: false, mapsAsObjects: false, copyBuffers: true });

/** The `c` serialiser. */
export const cborSerialiser: Serialiser = {
  code: 'c',
  canCarryBytes: true,
  encode(value: unknown): Uint8Array {
    try {
      // Wide integers, -0, lone surrogates and undefined: cbor-x would change them (exact.ts).
      if (needsExactEncoding(value, true)) return encodeExactCbor(value);
      return encoder.encode(value) as Uint8Array;
    } catch (error) {
      throw new SparrowError(ErrorCode.SerialisationError, `cannot encode as CBOR: ${(error as Error).message}`, { cause: error });
    }
  },
  decode(bytes: Uint8Array, maxDepth: number = DEFAULT_MAX_DEPTH): unknown {
    let value: unknown;
    let needsWalk: boolean;
    try {
      // The scan refuses the tags cbor-x would act on, long bignums and malformed input, and measures the nesting.
      const shape = cborShape(bytes);
      if (shape.depth > maxDepth) throw nestingError(maxDepth);
      needsWalk = shape.needsWalk;
      value = shape.nonStringKeys ? objectsForStringKeys(mapDecoder.decode(plain(bytes))) : (bytes.length >= LARGE_BYTES ? viewDecoder : decoder).decode(plain(bytes));
    } catch (error) {
      if (error instanceof SparrowError) throw error;
      if (isStackOverflow(error)) throw nestingError(maxDepth, error);
      throw new SparrowError(ErrorCode.SerialisationError, `invalid CBOR: ${(error as Error).message}`, { cause: error });
    }
    // No 8-byte integer or tag: nothing to turn back.
    return needsWalk ? normaliseDecoded(value) : value;
  },
  encodeBytesHeader,
  exceedsElements: cborOver,
  writeSmall: writeSmallCbor,
};

// Big-endian float64 bytes are written from this little-endian scratch (no DataView per value).
const float64Out = /* @__PURE__ */ new Float64Array(1);
const float64OutBytes = /* @__PURE__ */ new Uint8Array(float64Out.buffer);

/**
 * Serialiser.writeSmall for CBOR: writes what `encode` writes (cbor-x's
 * minimal heads, float64 for every non-integer) for a scalar or a plain
 * object of at most 15 scalars: ASCII text under 256 characters, integers
 * within 32 bits but -0, other finite numbers, booleans and null. Anything
 * else (undefined, which the exact encoder writes as null, wide integers,
 * non-finite numbers, non-ASCII text, nesting) declines with -1, as does
 * running into `limit`. With it a CBOR call is written into the link's slab
 * (pipelined CBOR, in-process: cbor-x's encode and the chain encoder were
 * 9 % of the CPU).
 */
export function writeSmallCbor(value: unknown, out: Uint8Array, pos: number, limit: number): number {
  if (typeof value !== 'object' || value === null || isWireFloat(value)) return writeCborScalar(value, out, pos, limit);
  return writeSmallMap(value, out, pos, limit, 0xa0, writeCborKey, writeCborScalar);
}

function writeCborKey(key: unknown, out: Uint8Array, pos: number, limit: number): number {
  return writeCborAscii(out, pos, key as string, limit);
}

function writeCborScalar(value: unknown, out: Uint8Array, pos: number, limit: number): number {
  switch (typeof value) {
    case 'string':
      return writeCborAscii(out, pos, value, limit);
    case 'number': {
      if (pos + 9 > limit || !Number.isFinite(value) || Object.is(value, -0)) return -1;
      if (Number.isInteger(value)) {
        if (value >= 0 && value <= 0xffffffff) return writeCborHead(out, pos, 0x00, value);
        if (value < 0 && value >= -0x100000000) return writeCborHead(out, pos, 0x20, -1 - value);
        // Wider integers go through the exact encoder.
        return -1;
      }
      return writeCborFloat64(out, pos, value);
    }
    case 'boolean':
      if (pos >= limit) return -1;
      out[pos++] = value ? 0xf5 : 0xf4;
      return pos;
    case 'object':
      // A schema float that is integral (values.ts) goes as a float64, as exact.ts writes it.
      if (value !== null) return pos + 9 <= limit && isWireFloat(value) ? writeCborFloat64(out, pos, value.value) : -1;
      if (pos >= limit) return -1;
      out[pos++] = 0xf6;
      return pos;
    default:
      return -1;
  }
}

/** `value` as CBOR float64 (0xfb); the caller checked 9 bytes of room. */
function writeCborFloat64(out: Uint8Array, pos: number, value: number): number {
  out[pos++] = 0xfb;
  float64Out[0] = value;
  for (let k = 7; k >= 0; k--) out[pos++] = float64OutBytes[k]!;
  return pos;
}

/** A major type's head with argument `n` (0 to 2^32 - 1) in its shortest form; the caller checked 5 bytes of room. */
function writeCborHead(out: Uint8Array, pos: number, major: number, n: number): number {
  if (n < 24) {
    out[pos++] = major | n;
  } else if (n < 0x100) {
    out[pos++] = major | 24;
    out[pos++] = n;
  } else if (n < 0x10000) {
    out[pos++] = major | 25;
    out[pos++] = n >>> 8;
    out[pos++] = n & 0xff;
  } else {
    out[pos++] = major | 26;
    out[pos++] = n >>> 24;
    out[pos++] = (n >>> 16) & 0xff;
    out[pos++] = (n >>> 8) & 0xff;
    out[pos++] = n & 0xff;
  }
  return pos;
}

/** ASCII text under 256 characters as a text string; -1 for anything else or no room. */
function writeCborAscii(out: Uint8Array, pos: number, text: string, limit: number): number {
  const length = text.length;
  if (length >= 0x100 || pos + 2 + length > limit) return -1;
  pos = writeCborHead(out, pos, 0x60, length);
  for (let k = 0; k < length; k++) {
    const code = text.charCodeAt(k);
    if (code >= 0x80) return -1;
    out[pos++] = code;
  }
  return pos;
}

const bytesHeader = /* @__PURE__ */ new Uint8Array(5);

/**
 * The header of a large byte string, as cbor-x writes it (major type 2
 * with a 4-byte length, 0x5a), so the codec can send the bytes after it
 * without copying them.
 */
function encodeBytesHeader(value: unknown): Uint8Array | undefined {
  if (!(value instanceof Uint8Array) || value.length < LARGE_BYTES || value.length > 0xffffffff) return undefined;
  const length = value.length;
  bytesHeader[0] = 0x5a;
  bytesHeader[1] = length >>> 24;
  bytesHeader[2] = (length >>> 16) & 0xff;
  bytesHeader[3] = (length >>> 8) & 0xff;
  bytesHeader[4] = length & 0xff;
  return bytesHeader;
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A decoded value with every bigint in the safe integer range replaced by a
 * number (in place; cbor-x decodes each 8-byte integer as a bigint). The
 * scan bounded its nesting and let no shared value through, so the walk
 * follows a tree of known depth.
 */
function normaliseDecoded(value: unknown): unknown {
  if (typeof value === 'bigint') return toSafeNumber(value);
  if (typeof value === 'object' && value !== null) walk(value);
  return value;
}

function toSafeNumber(value: bigint): bigint | number {
  return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value;
}

function walk(container: object): void {
  if (ArrayBuffer.isView(container)) return;
  if (Array.isArray(container)) {
    for (let k = 0; k < container.length; k++) {
      const item: unknown = container[k];
      if (typeof item === 'object') {
        if (item !== null) walk(item);
      } else if (typeof item === 'bigint') {
        container[k] = toSafeNumber(item);
      }
    }
    return;
  }
  if (container instanceof Map) {
    for (const [key, item] of container) {
      if (typeof item === 'object' && item !== null) walk(item);
      else if (typeof item === 'bigint') container.set(key, toSafeNumber(item));
    }
    return;
  }
  const record = container as Record<string, unknown>;
  for (const key in record) {
    const item = record[key];
    if (typeof item === 'object') {
      if (item !== null) walk(item);
    } else if (typeof item === 'bigint') {
      record[key] = toSafeNumber(item);
    }
  }
}
