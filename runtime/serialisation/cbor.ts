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
import { plain } from './bytes.ts';
import { checkDecoded, isStackOverflow, nestingError } from './depth.ts';
import { encodeExactCbor, needsExactEncoding } from './exact.ts';
import { NON_STRING_KEYS, cborShape, objectsForStringKeys } from './map-keys.ts';
import { DEFAULT_MAX_DEPTH, LARGE_BYTES, type Serialiser } from './serialiser.ts';

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
// For owned input: byte strings are views of it instead of copies (see Serialiser.decode).
const viewDecoder = /* @__PURE__ */ new Decoder({ useRecords: false, mapsAsObjects: true, copyBuffers: false });
// For the rare value with a map keyed by something else than strings: every map a Map (see map-keys.ts).
const mapDecoder = /* @__PURE__ */ new Decoder({ useRecords: false, mapsAsObjects: false, copyBuffers: true });

/** The smallest input that can hold an 8-byte integer (0x1b/0x3b + 8 bytes). */
const INT64_SIZE = 9;

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
  decode(bytes: Uint8Array, maxDepth: number = DEFAULT_MAX_DEPTH, owned = false): unknown {
    let value: unknown;
    let shape: number;
    try {
      shape = cborShape(bytes);
      if (shape === NON_STRING_KEYS) value = objectsForStringKeys(mapDecoder.decode(plain(bytes)));
      else if (shape > maxDepth) throw nestingError(maxDepth);
      else value = (owned ? viewDecoder : decoder).decode(plain(bytes));
    } catch (error) {
      if (error instanceof SparrowError) throw error;
      if (isStackOverflow(error)) throw nestingError(maxDepth, error);
      throw new SparrowError(ErrorCode.SerialisationError, `invalid CBOR: ${(error as Error).message}`, { cause: error });
    }
    // The scan measured the nesting and saw no 8-byte integer or tag: nothing left to check or turn back.
    if (shape >= 0) return value;
    return bytes.length >= INT64_SIZE || bytes.length > maxDepth ? checkDecoded(value, maxDepth, true) : value;
  },
  encodeBytesHeader,
};

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
