/**
 * One pass over a msgpack or CBOR value's bytes before it is decoded
 * (msgpackShape, cborShape): what the decoder must know first, and the gate
 * that keeps the libraries to plain data.
 *
 * What it measures:
 * - how deep maps and arrays nest, so too deep is refused before the
 *   library recurses into it, and no walk over the decoded value follows;
 * - whether a map has a key that is not a string (Python sends int and
 *   bytes keys; msgpackr and cbor-x, told to build plain objects, would turn
 *   int keys into strings and refuse bytes keys), or a "__proto__" key: such
 *   a value is decoded with Maps and turned back (map-keys.ts);
 * - (CBOR) whether it holds an 8-byte integer or a tag, which cbor-x makes a
 *   bigint or an object of: then the decoded value is walked (cbor.ts).
 *
 * What it refuses (docs/security.md, "Values"):
 * - msgpack extensions but the timestamp (-1), and the CBOR tags with which
 *   the libraries do more than build a value: they share or cycle values (a
 *   6-byte message made an array that holds itself, and 25 levels of shared
 *   references a value of 2^25 paths that the first walk over it follows),
 *   pack or bundle strings, define records that outlive the message, or
 *   construct objects by name. The reference sends none of them;
 * - CBOR bignums (tags 2, 3) longer than MAX_BIGNUM_BYTES: cbor-x converts
 *   one in time quadratic in its length (a 200 KB one took 19 s);
 * - input it cannot read whole (truncated, bytes after the value, reserved
 *   codes, a length beyond 32 bits), so the library never reads a byte the
 *   gate did not.
 *
 * Recursive descent with no stack of its own: on a 256-item stream batch
 * (2.2 kB) it takes 4 µs where an explicit-stack scan took 12.8 µs and the
 * walk over the decoded value another 3 (msgpackr's own decode: 18 µs).
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import { nestingError } from './depth.ts';

/** What a scan found. One object, reused by every scan (a scan is synchronous and never re-entered): read it at once. */
export interface Shape {
  /** How deep maps and arrays nest (0 for a scalar; a msgpack timestamp counts as one level, as the Date it becomes). */
  depth: number;
  /** A map has a key that is not a string, or a "__proto__" key: decode with Maps (objectsForStringKeys). */
  nonStringKeys: boolean;
  /** (CBOR) An 8-byte integer or a tag: walk the decoded value. */
  needsWalk: boolean;
}

const shape: Shape = { depth: 0, nonStringKeys: false, needsWalk: false };
// The scan's findings while it runs (module variables: cheaper than the object's fields in the hot loop).
let deepest = 0;
let nonStringKeys = false;
let needsWalk = false;

/** Nesting the scan follows; deeper input is refused (the recursion stays bounded whatever maxDepth says). */
export const MAX_SCAN_DEPTH = 1024;

/** The longest CBOR bignum taken, in bytes (2048 bits: an RSA-2048 modulus as an int). */
export const MAX_BIGNUM_BYTES = 256;

/** The only msgpack extension taken: the timestamp (type -1), which becomes a Date. */
const TIMESTAMP = 0xff;

/**
 * CBOR tags cbor-x acts on beyond building a value: 6 and 51 (packed
 * values), 14 and 15 (bundled strings), 27 (an object made by a global's
 * name), 28 and 29 (shared values, cycles), 105 (a record definition); and
 * from FIRST_RECORD_TAG up, records and bundles.
 */
const REFUSED_TAGS = new Set([6, 14, 15, 27, 28, 29, 51, 105]);
const FIRST_RECORD_TAG = 0xdff9;

/**
 * Scans a msgpack value.
 * @throws SparrowError `serialisation-error` for an extension other than the
 *   timestamp and for input it cannot read whole; `limit-exceeded` for
 *   nesting deeper than MAX_SCAN_DEPTH.
 */
export function msgpackShape(bytes: Uint8Array): Readonly<Shape> {
  return finish(bytes, skipMsgpack(bytes, start(), 0), 'msgpack');
}

/**
 * Scans a CBOR value.
 * @throws SparrowError `serialisation-error` for a refused tag and for input
 *   it cannot read whole; `limit-exceeded` for a bignum longer than
 *   MAX_BIGNUM_BYTES and for nesting deeper than MAX_SCAN_DEPTH.
 */
export function cborShape(bytes: Uint8Array): Readonly<Shape> {
  return finish(bytes, skipCbor(bytes, start(), 0), 'CBOR');
}

function start(): number {
  deepest = 0;
  nonStringKeys = false;
  needsWalk = false;
  return 0;
}

/** The shape, once the value ended exactly at the end of `bytes` (a length read past the end leaves NaN: not equal either). */
function finish(bytes: Uint8Array, end: number, format: string): Readonly<Shape> {
  if (end !== bytes.length) throw refused(`invalid ${format}: ${end >= 0 && end < bytes.length ? `${bytes.length - end} bytes after the value` : 'truncated or malformed'}`);
  shape.depth = deepest;
  shape.nonStringKeys = nonStringKeys;
  shape.needsWalk = needsWalk;
  return shape;
}

function refused(message: string, code: ErrorCode = ErrorCode.SerialisationError): SparrowError {
  return new SparrowError(code, message);
}

/** A container one level deeper: noted, and refused past MAX_SCAN_DEPTH. */
function enter(depth: number): number {
  if (depth > deepest) {
    if (depth > MAX_SCAN_DEPTH) throw nestingError(MAX_SCAN_DEPTH);
    deepest = depth;
  }
  return depth;
}

function u16(bytes: Uint8Array, pos: number): number {
  return (bytes[pos]! << 8) | bytes[pos + 1]!;
}

function u32(bytes: Uint8Array, pos: number): number {
  return ((bytes[pos]! << 24) >>> 0) + ((bytes[pos + 1]! << 16) | (bytes[pos + 2]! << 8) | bytes[pos + 3]!);
}

/** Skips the value at `pos`, `depth` containers deep; returns the position after it, or -1 (or NaN) when the input ends first. */
function skipMsgpack(bytes: Uint8Array, pos: number, depth: number): number {
  // (Callers pass no negative position: they stop at the first -1.)
  if (pos >= bytes.length) return -1;
  const head = bytes[pos++]!;
  if (head < 0x80 || head >= 0xe0) return pos;
  if (head < 0x90) return skipMsgpackEntries(bytes, pos, enter(depth + 1), head & 0x0f);
  if (head < 0xa0) return skipMsgpackItems(bytes, pos, enter(depth + 1), head & 0x0f);
  if (head < 0xc0) return pos + (head & 0x1f);
  switch (head) {
    case 0xc0: case 0xc2: case 0xc3: return pos;
    case 0xc4: return pos + 1 + bytes[pos]!;
    case 0xc5: return pos + 2 + u16(bytes, pos);
    case 0xc6: return pos + 4 + u32(bytes, pos);
    case 0xca: return pos + 4;
    case 0xcb: return pos + 8;
    case 0xcc: case 0xd0: return pos + 1;
    case 0xcd: case 0xd1: return pos + 2;
    case 0xce: case 0xd2: return pos + 4;
    case 0xcf: case 0xd3: return pos + 8;
    case 0xd9: return pos + 1 + bytes[pos]!;
    case 0xda: return pos + 2 + u16(bytes, pos);
    case 0xdb: return pos + 4 + u32(bytes, pos);
    case 0xdc: return skipMsgpackItems(bytes, pos + 2, enter(depth + 1), u16(bytes, pos));
    case 0xdd: return skipMsgpackItems(bytes, pos + 4, enter(depth + 1), u32(bytes, pos));
    case 0xde: return skipMsgpackEntries(bytes, pos + 2, enter(depth + 1), u16(bytes, pos));
    case 0xdf: return skipMsgpackEntries(bytes, pos + 4, enter(depth + 1), u32(bytes, pos));
  }
  // The rest are extensions, [size] type data (0xc1 is never used).
  let size: number;
  switch (head) {
    case 0xc7: size = bytes[pos++]!; break;
    case 0xc8: size = u16(bytes, pos); pos += 2; break;
    case 0xc9: size = u32(bytes, pos); pos += 4; break;
    case 0xd4: size = 1; break;
    case 0xd5: size = 2; break;
    case 0xd6: size = 4; break;
    case 0xd7: size = 8; break;
    case 0xd8: size = 16; break;
    default: return -1;
  }
  if (pos >= bytes.length) return -1;
  const type = bytes[pos]!;
  if (type !== TIMESTAMP) throw refused(`invalid msgpack: extension type ${type > 0x7f ? type - 0x100 : type} is not accepted (only timestamps, -1)`);
  enter(depth + 1);
  return pos + 1 + size;
}

function skipMsgpackItems(bytes: Uint8Array, pos: number, depth: number, items: number): number {
  for (let k = 0; k < items && pos >= 0; k++) pos = skipMsgpack(bytes, pos, depth);
  return pos;
}

function skipMsgpackEntries(bytes: Uint8Array, pos: number, depth: number, entries: number): number {
  for (let k = 0; k < entries && pos >= 0; k++) {
    if (pos >= bytes.length) return -1;
    // A key of text (fixstr, str8, str16, str32) is skipped here; any other is a value of its own.
    const head = bytes[pos]!;
    if (head >= 0xa0 && head < 0xc0) {
      if (isProtoKey(bytes, pos + 1, head & 0x1f)) nonStringKeys = true;
      pos += 1 + (head & 0x1f);
    } else if (head === 0xd9) {
      if (isProtoKey(bytes, pos + 2, bytes[pos + 1]!)) nonStringKeys = true;
      pos += 2 + bytes[pos + 1]!;
    } else if (head === 0xda) pos += 3 + u16(bytes, pos + 1);
    else if (head === 0xdb) pos += 5 + u32(bytes, pos + 1);
    else {
      nonStringKeys = true;
      pos = skipMsgpack(bytes, pos, depth);
      if (!(pos >= 0)) return -1;
    }
    pos = skipMsgpack(bytes, pos, depth);
  }
  return pos;
}

/** Skips the CBOR item at `pos`, `depth` containers deep; returns the position after it, or -1 (or NaN) when the input ends first or holds a reserved code. */
function skipCbor(bytes: Uint8Array, pos: number, depth: number): number {
  if (!(pos >= 0 && pos < bytes.length)) return -1;
  const head = bytes[pos++]!;
  const major = head >> 5;
  const info = head & 0x1f;
  if (info === 31) return skipIndefinite(bytes, pos, depth, major);
  let n: number;
  if (info < 24) n = info;
  else if (info === 24) n = bytes[pos++]!;
  else if (info === 25) (n = u16(bytes, pos)), (pos += 2);
  else if (info === 26) (n = u32(bytes, pos)), (pos += 4);
  else if (info === 27) {
    if (major === 7) return pos + 8;
    if (major === 0 || major === 1) {
      needsWalk = true;
      return pos + 8;
    }
    // A 64-bit length or tag number: nothing this side takes is that large.
    return -1;
  } else return -1;
  switch (major) {
    case 0:
    case 1:
    case 7:
      return pos;
    case 2:
    case 3:
      return pos + n;
    case 4:
      return skipCborItems(bytes, pos, enter(depth + 1), n);
    case 5:
      return skipCborEntries(bytes, pos, enter(depth + 1), n);
    default:
      return skipTagged(bytes, pos, depth, n);
  }
}

function skipCborItems(bytes: Uint8Array, pos: number, depth: number, items: number): number {
  for (let k = 0; k < items && pos >= 0; k++) pos = skipCbor(bytes, pos, depth);
  return pos;
}

function skipCborEntries(bytes: Uint8Array, pos: number, depth: number, entries: number): number {
  for (let k = 0; k < entries && pos >= 0; k++) pos = skipCbor(bytes, skipCborKey(bytes, pos, depth), depth);
  return pos;
}

/** Skips a map key: text of definite length other than "__proto__" (its 9 bytes after a head of one or two) is a plain object's key. */
function skipCborKey(bytes: Uint8Array, pos: number, depth: number): number {
  const head = bytes[pos];
  if (head === undefined || head >> 5 !== 3 || (head & 0x1f) === 31 || (head === 0x69 && isProtoKey(bytes, pos + 1, 9)) || (head === 0x78 && isProtoKey(bytes, pos + 2, bytes[pos + 1]!))) {
    nonStringKeys = true;
  }
  return skipCbor(bytes, pos, depth);
}

/** An indefinite-length item (info 31): byte or text chunks, items or entries up to the break byte (0xff). */
function skipIndefinite(bytes: Uint8Array, pos: number, depth: number, major: number): number {
  if (major === 2 || major === 3) {
    // Chunks of the same major type, each of definite length.
    while (pos >= 0 && pos < bytes.length && bytes[pos] !== 0xff) {
      if (bytes[pos]! >> 5 !== major || (bytes[pos]! & 0x1f) === 31) return -1;
      pos = skipCbor(bytes, pos, depth);
    }
  } else if (major === 4 || major === 5) {
    const inner = enter(depth + 1);
    while (pos >= 0 && pos < bytes.length && bytes[pos] !== 0xff) pos = major === 4 ? skipCbor(bytes, pos, inner) : skipCbor(bytes, skipCborKey(bytes, pos, inner), inner);
  } else return -1;
  // At the break byte, or -1 / NaN / the end when the input ended first.
  return pos >= 0 && pos < bytes.length ? pos + 1 : -1;
}

/** A tag wraps the next item (and adds no level: the tags taken make a scalar or wrap a container that counts). */
function skipTagged(bytes: Uint8Array, pos: number, depth: number, tag: number): number {
  if (REFUSED_TAGS.has(tag) || tag >= FIRST_RECORD_TAG) throw refused(`invalid CBOR: tag ${tag} is not accepted (it shares, packs or constructs values)`);
  needsWalk = true;
  if (tag !== 2 && tag !== 3) return skipCbor(bytes, pos, depth);
  // A bignum: a byte string of definite length, as cbor2 writes one.
  const head = bytes[pos];
  if (head === undefined || head >> 5 !== 2 || (head & 0x1f) > 26) throw refused('invalid CBOR: a bignum (tag 2 or 3) that is not a byte string of definite length');
  const end = skipCbor(bytes, pos, depth);
  const info = head & 0x1f;
  if (end - pos - (info < 24 ? 1 : 1 + (1 << (info - 24))) > MAX_BIGNUM_BYTES) throw refused(`CBOR bignum longer than ${MAX_BIGNUM_BYTES} bytes`, ErrorCode.LimitExceeded);
  return end;
}

const PROTO = [0x5f, 0x5f, 0x70, 0x72, 0x6f, 0x74, 0x6f, 0x5f, 0x5f]; // "__proto__"

/**
 * True when the key text at `bytes[pos, pos + length)` is "__proto__": the
 * plain-object decoders rename it (`__proto_`), so such a value is decoded
 * with Maps, which keeps it an own data property as JSON does.
 */
function isProtoKey(bytes: Uint8Array, pos: number, length: number): boolean {
  if (length !== 9) return false;
  for (let k = 0; k < 9; k++) if (bytes[pos + k] !== PROTO[k]) return false;
  return true;
}
