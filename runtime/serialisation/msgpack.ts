/**
 * The `m` serialiser: MessagePack via msgpackr (PROTOCOL.md §3).
 *
 * Plain msgpack that Python's `msgpack` reads: no records extension
 * (`useRecords: false`), string map keys, `undefined` as nil, minimal map
 * headers. int64 values decode to numbers when safe and to bigint beyond
 * ±2^53 (`int64AsType: 'auto'`); bigints encode as int64/uint64.
 *
 * Binary values are copied out of the source (`copyBuffers`) unless the
 * caller owns the source for good (`owned`), and the source is always handed
 * over as a plain Uint8Array view, so decoded bytes are plain Uint8Arrays
 * that outlive the transport's chunk.
 *
 * The bare `msgpackr` import resolves to its browser build under the
 * `browser` export condition and to the Node build otherwise.
 */
import { Packr, RESERVE_START_SPACE, REUSE_BUFFER_MODE, Unpackr } from 'msgpackr';
import { ErrorCode, SparrowError } from '../errors.ts';
import { plain } from './bytes.ts';
import { checkDecoded, isStackOverflow, nestingError } from './depth.ts';
import { DEFAULT_MAX_DEPTH, LARGE_BYTES, MAX_HEADROOM, type PackedSpan, type Serialiser } from './serialiser.ts';

export { MAX_HEADROOM, type PackedSpan };

const packr = /* @__PURE__ */ new Packr({ useRecords: false, variableMapSize: true, encodeUndefinedAsNil: true });
// 'auto' exists at runtime (number when safe, bigint beyond) but is missing from msgpackr's typings.
const unpackr = /* @__PURE__ */ new Unpackr({ useRecords: false, mapsAsObjects: true, copyBuffers: true, int64AsType: 'auto' as 'bigint' });
// For owned input: binary values are views of it, which saves a copy of every blob (half the receive cost of 1 MiB).
const viewUnpackr = /* @__PURE__ */ new Unpackr({ useRecords: false, mapsAsObjects: true, copyBuffers: false, int64AsType: 'auto' as 'bigint' });

// msgpackr caches a DataView as a new property on the array it decodes: for a fresh view per
// part that costs a DataView and a typed-array shape change on every call, about a third of
// decoding a small message. Small inputs are copied into one reused array instead (its
// DataView made once); the copy of a few hundred bytes is far cheaper.
const SCRATCH_SIZE = 1024;
const scratch = /* @__PURE__ */ new Uint8Array(SCRATCH_SIZE);

/** The `m` serialiser. */
export const msgpackSerialiser: Serialiser = {
  code: 'm',
  canCarryBytes: true,
  encode(value: unknown): Uint8Array {
    try {
      return packr.pack(value) as Uint8Array;
    } catch (error) {
      throw encodeError(error);
    }
  },
  decode(bytes: Uint8Array, maxDepth: number = DEFAULT_MAX_DEPTH, owned = false): unknown {
    let value: unknown;
    try {
      const length = bytes.length;
      if (length > 0 && length <= SCRATCH_SIZE) {
        // Small input: decoded from the reused scratch (copyBuffers, so nothing points into it).
        scratch.set(bytes);
        value = unpackr.unpack(scratch, length);
      } else {
        value = (owned ? viewUnpackr : unpackr).unpack(plain(bytes));
      }
    } catch (error) {
      if (isStackOverflow(error)) throw nestingError(maxDepth, error);
      throw new SparrowError(ErrorCode.SerialisationError, `invalid msgpack: ${(error as Error).message}`, { cause: error });
    }
    // Each level of nesting costs at least one byte, so short input needs no walk.
    return bytes.length > maxDepth ? checkDecoded(value, maxDepth, false) : value;
  },
  encodeWithHeadroom: packWithHeadroom,
  encodeBytesHeader: packBytesHeader,
  encodeFlatMap: packFlatMap,
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
 * value (the caller then encodes the usual way). The returned span is
 * reused by the next call.
 *
 * @throws SparrowError `serialisation-error` as `encode`.
 */
export function packWithHeadroom(value: unknown, headroom: number): PackedSpan | undefined {
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

const flatScratch = /* @__PURE__ */ new Uint8Array(256);

/**
 * Packs a small flat map (an envelope: string keys; short ASCII strings,
 * int32s, booleans, null or undefined as values) exactly as the packer
 * would, without a Packr call: msgpackr's per-call set-up costs more than
 * writing these few bytes, and an envelope goes out with every message.
 * Returns a view of a scratch array, valid until the next call, or
 * undefined when the map holds anything else or would not fit (the caller
 * then uses `encode`).
 */
export function packFlatMap(record: Record<string, unknown>): Uint8Array | undefined {
  const out = flatScratch;
  let pos = 1;
  let count = 0;
  for (const key in record) {
    if (++count > 15) return undefined;
    pos = writeAsciiString(out, pos, key);
    if (pos < 0) return undefined;
    const value = record[key];
    if (typeof value === 'string') {
      pos = writeAsciiString(out, pos, value);
      if (pos < 0) return undefined;
    } else if (typeof value === 'number') {
      if (pos + 5 > out.length) return undefined;
      // The same choices as msgpackr's pack (useRecords: false): smallest integer form.
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
      } else if (value >> 0 === value && value >= -0x20) {
        out[pos++] = 0x100 + value;
      } else {
        return undefined;
      }
    } else if (value === undefined || value === null) {
      if (pos >= out.length) return undefined;
      out[pos++] = 0xc0;
    } else if (typeof value === 'boolean') {
      if (pos >= out.length) return undefined;
      out[pos++] = value ? 0xc3 : 0xc2;
    } else {
      return undefined;
    }
  }
  out[0] = 0x80 | count;
  return out.subarray(0, pos);
}

/** Writes an ASCII string shorter than 32 characters as fixstr; -1 for anything else or no room. */
function writeAsciiString(out: Uint8Array, pos: number, text: string): number {
  const length = text.length;
  if (length >= 0x20 || pos + 1 + length > out.length) return -1;
  out[pos++] = 0xa0 | length;
  for (let k = 0; k < length; k++) {
    const code = text.charCodeAt(k);
    if (code >= 0x80) return -1;
    out[pos++] = code;
  }
  return pos;
}
