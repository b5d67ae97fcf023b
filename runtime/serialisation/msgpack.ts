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
import { Packr, Unpackr } from 'msgpackr';
import { ErrorCode, SparrowError } from '../errors.ts';
import { checkDecoded, isStackOverflow, nestingError } from './depth.ts';
import { DEFAULT_MAX_DEPTH, type Serialiser } from './serialiser.ts';

const packr = new Packr({ useRecords: false, variableMapSize: true, encodeUndefinedAsNil: true });
// 'auto' exists at runtime (number when safe, bigint beyond) but is missing from msgpackr's typings.
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, copyBuffers: true, int64AsType: 'auto' as 'bigint' });
// For owned input: binary values are views of it, which saves a copy of every blob (half the receive cost of 1 MiB).
const viewUnpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, copyBuffers: false, int64AsType: 'auto' as 'bigint' });

/** The `m` serialiser. */
export const msgpackSerialiser: Serialiser = {
  code: 'm',
  canCarryBytes: true,
  encode(value: unknown): Uint8Array {
    try {
      return packr.pack(value) as Uint8Array;
    } catch (error) {
      throw new SparrowError(ErrorCode.SerialisationError, `cannot encode as msgpack: ${(error as Error).message}`, { cause: error });
    }
  },
  decode(bytes: Uint8Array, maxDepth: number = DEFAULT_MAX_DEPTH, owned = false): unknown {
    let value: unknown;
    try {
      value = (owned ? viewUnpackr : unpackr).unpack(plain(bytes));
    } catch (error) {
      if (isStackOverflow(error)) throw nestingError(maxDepth, error);
      throw new SparrowError(ErrorCode.SerialisationError, `invalid msgpack: ${(error as Error).message}`, { cause: error });
    }
    // Each level of nesting costs at least one byte, so short input needs no walk.
    return bytes.length > maxDepth ? checkDecoded(value, maxDepth, false) : value;
  },
};

/** A plain Uint8Array view of `bytes` (a Node Buffer source would make msgpackr return Buffers). */
export function plain(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}
