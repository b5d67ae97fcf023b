/**
 * The serialiser contract (PROTOCOL.md §3): one value ⇄ one part's bytes.
 *
 * Decoded values use plain JS shapes whatever the codec: maps are plain
 * objects with string keys, arrays are arrays, binary is a plain
 * `Uint8Array` (never a Node Buffer, never a view of transport memory that
 * gets reused; a view of an `owned` input is fine), and
 * integers beyond ±(2^53 − 1) are `bigint` (lossless int64).
 */
import type { SerialiserCode } from '../envelope/message.ts';

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
   * Decodes exactly one value filling `bytes`.
   *
   * @param maxDepth nesting limit for maps and arrays (default DEFAULT_MAX_DEPTH).
   * @param owned true when `bytes` belongs to the caller for good (never
   *   reused, e.g. a part the chain decoder assembled): binary values may
   *   then be views of it rather than copies. Default false: copies.
   * @throws SparrowError `serialisation-error` for malformed input or
   *   trailing bytes; `limit-exceeded` when nesting is deeper than `maxDepth`.
   */
  decode(bytes: Uint8Array, maxDepth?: number, owned?: boolean): unknown;
}
