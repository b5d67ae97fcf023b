/**
 * The serialiser contract (PROTOCOL.md §3): one value ⇄ one part's bytes.
 *
 * Decoded values use plain JS shapes whatever the codec: maps with string
 * keys are plain objects, maps with any other key (msgpack, CBOR) are a
 * `Map` with the keys' own types, arrays are arrays, binary is a plain
 * `Uint8Array` (never a Node Buffer; a copy, or for input of LARGE_BYTES or
 * more a view of it: docs/runtime.md, "Buffer ownership"), and integers
 * beyond ±(2^53 − 1) are `bigint` (lossless int64).
 */
import { LARGE_PART_BYTES, isSerialiserCode, type SerialiserCode } from '../wire.ts';
import { ErrorCode, SparrowError } from '../errors.ts';

/** Default limit on nesting of maps and arrays in a decoded value. */
export const DEFAULT_MAX_DEPTH = 64;

/** A serialiser for one wire code. */
export interface Serialiser {
  readonly code: SerialiserCode;
  /** Whether binary values (`Uint8Array`) survive a round trip. JSON: false. */
  readonly canCarryBytes: boolean;
  /**
   * Encodes one value. The result may be a view of a buffer the codec
   * reuses: copy it (the chain encoder does) before the next encode call.
   *
   * @throws SparrowError `serialisation-error` when the value cannot be
   *   represented (a cycle, a bigint beyond int64 for msgpack, bytes for JSON).
   */
  encode(value: unknown): Uint8Array;
  /**
   * Decodes exactly one value filling `bytes`. Input under LARGE_BYTES is
   * only lent: binary values are copies, so the caller may reuse it once
   * this returns. Input of LARGE_BYTES or more is memory of its own that
   * nobody reuses (a large chain part), and binary values are views of it.
   *
   * @param maxDepth nesting limit for maps and arrays (default DEFAULT_MAX_DEPTH).
   * @throws SparrowError `serialisation-error` for malformed input or
   *   trailing bytes; `limit-exceeded` when nesting is deeper than `maxDepth`.
   */
  decode(bytes: Uint8Array, maxDepth?: number): unknown;
  /**
   * The decode budget's scan (serialisation/budget.ts): true when `bytes`
   * declare or hold more than `maxElements` values, read from the bytes
   * before anything is decoded. Never throws: malformed input is `decode`'s
   * to report.
   */
  exceedsElements(bytes: Uint8Array, maxElements: number): boolean;
  // Hooks. One rule for all three: each is optional, belongs to the
  // serialiser that offers it, writes exactly the bytes `encode` would
  // write for the same value (the codec's tests compare them), and declines
  // (undefined, or -1) for any value it does not take, the envelope codec
  // then taking `encode`. What each returns is valid until the next call on
  // the same serialiser (or, for writeSmall, lives in the caller's memory).
  // The envelope codec (`frame` in envelope/codec.ts) is their one caller.

  /**
   * Small values in place (msgpack, JSON, CBOR): writes `value` at
   * `out[pos]`, never at or past `limit`, when it is small and flat (a
   * scalar or a flat map of scalars). Returns the end. The codec writes
   * whole small chains, and the envelopes of larger ones, this way.
   */
  writeSmall?(value: unknown, out: Uint8Array, pos: number, limit: number): number;
  /**
   * Large binary payloads uncopied: when `value` is one `Uint8Array` of at
   * least LARGE_BYTES, the bytes that precede it in its encoding (so the
   * encoding is this header, then the value's bytes as they are).
   */
  encodeBytesHeader?(value: unknown): Uint8Array | undefined;
  /**
   * Other payloads copied once: packs `value` with `headroom` free bytes in
   * front and one after, in the serialiser's own buffer, so the chain head
   * is written in front instead of copying the payload (msgpack).
   */
  encodeWithHeadroom?(value: unknown, headroom: number): PackedSpan | undefined;
}

/**
 * From this size on, a bare binary payload is sent as a header plus the
 * caller's bytes (see `encodeBytesHeader`): copying them would cost more
 * than the extra piece; and a received part is memory of its own, which
 * `decode` hands binary values out of as views.
 */
export const LARGE_BYTES = LARGE_PART_BYTES;

/** The most headroom the codec asks `encodeWithHeadroom` for (msgpackr keeps the count in 8 bits). */
export const MAX_HEADROOM = 0xff;

/** Where `encodeWithHeadroom` left the value: `buffer[start, start + headroom)` is free, then the value, then one free byte. */
export interface PackedSpan {
  buffer: Uint8Array;
  start: number;
  /** Index of the free byte after the value. */
  end: number;
}

/**
 * The serialisers one link reads and writes, by wire code. JSON is always
 * there (the protocol's default, PROTOCOL.md §3/§8); msgpack and CBOR only
 * when the caller passed them, so a bundle pays only for what it uses.
 */
export interface SerialiserTable {
  readonly j: Serialiser;
  readonly m?: Serialiser;
  readonly c?: Serialiser;
}

const NAMES: Readonly<Record<SerialiserCode, string>> = { j: 'JSON', m: 'msgpack', c: 'CBOR' };

export { isSerialiserCode };

/**
 * A table of `json` plus `serialisers` (later entries win for the same code).
 */
export function serialiserTable(json: Serialiser, serialisers: readonly Serialiser[]): SerialiserTable {
  const table: { j: Serialiser; m?: Serialiser; c?: Serialiser } = { j: json };
  for (const serialiser of serialisers) table[serialiser.code] = serialiser;
  return table;
}

/**
 * The serialiser for `code` in `table`.
 *
 * @throws SparrowError `unsupported` from missingSerialiser when it is not there.
 */
export function serialiserIn(table: SerialiserTable, code: SerialiserCode, why?: string): Serialiser {
  const serialiser = table[code];
  if (serialiser === undefined) throw missingSerialiser(code, why);
  return serialiser;
}

/** The `unsupported` error naming a serialiser this side was not given, and how to add it; `why` says what needed it. */
export function missingSerialiser(code: SerialiserCode, why = `serialiser "${code}"`): SparrowError {
  const name = NAMES[code];
  const lower = name.toLowerCase();
  return new SparrowError(
    ErrorCode.Unsupported,
    `${why} needs the ${name} serialiser ("${code}"): pass serialisers: [${lower}Serialiser] from 'sparrow-rpc/${lower}'`,
  );
}
