/**
 * The `j` serialiser: JSON as UTF-8 (PROTOCOL.md §3).
 *
 * The engine's JSON.parse/JSON.stringify do the work. What they get wrong
 * (integers beyond 2^53, Python's NaN and ±Infinity, −0, a `WireFloat`, a
 * bigint, a Map or a Set to write) is the exact-numbers part's (json-exact.ts),
 * which `installExactJson` plugs in: the Node platform installs it, and so
 * does generated code whose schema has numbers or `any`. Without it, such a
 * value fails with a `serialisation-error` that names the part, never a
 * silent loss (JSON.stringify would write NaN as null, and a Map or a Set as {}).
 *
 * Output is compact JSON (Python's `json.loads` accepts it). JSON cannot
 * carry bytes: `encode` refuses them; the envelope codec writes such a
 * payload with msgpack instead (decision 4).
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import { HAS_BYTES, MAX_WALK_DEPTH, NEEDS_REPLACER, TOO_DEEP, traits } from './bytes.ts';
import { jsonOver } from './budget.ts';
import { checkDecoded } from './depth.ts';
import { DEFAULT_MAX_DEPTH, type Serialiser } from './serialiser.ts';

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });
/** A run this long may be an integer beyond 2^53 (9007199254740993 has 16 digits). */
const LONG_DIGITS = /\d{16}/;

/** What the exact-numbers part (`exactJson`, json-exact.ts) does for the `j` serialiser. */
export interface ExactJson {
  /** Parses text JSON.parse refuses or may round, as {@link parseJson} documents. */
  parse(text: string, maxDepth: number): unknown;
  /** Writes a value JSON.stringify writes wrongly, as {@link stringifyJson} documents. */
  stringify(value: unknown): string;
}

let exact: ExactJson | undefined;

/**
 * Installs JSON's exact numbers (`installExactJson(exactJson)`, both from
 * `sparrow-rpc`) for every JSON part this runtime reads and writes. The Node
 * platform installs it; generated code does when its schema has an integer,
 * a float or `any`; a page that sends such values through the schema-less
 * API calls it itself.
 */
export function installExactJson(part: ExactJson): void {
  exact = part;
}

/** The error for `what` only the exact part reads or writes, naming the part and how to install it. */
function needsExactJson(what: string, cause?: unknown): SparrowError {
  return new SparrowError(ErrorCode.SerialisationError, `${what} needs the exactJson part: installExactJson(exactJson) from 'sparrow-rpc'`, { cause });
}

/**
 * Serialises `value` as compact JSON text; bigints become bare integers,
 * NaN and ±Infinity are written as Python's json writes them (`NaN`,
 * `Infinity`, `-Infinity`), −0 as `-0.0`, a `WireFloat` as `2.0`, and a
 * `Map` as an object with its keys as strings (what Python's json does with
 * int keys), a `Set` as an array (as msgpack writes one): those by the exact part.
 *
 * @throws SparrowError `serialisation-error` for bytes (JSON has none:
 *   JSON.stringify would write them as objects), for a cycle or nesting
 *   deeper than MAX_WALK_DEPTH (where bytes could not be seen; the msgpack
 *   and CBOR exact writers stop there too), for other values JSON.stringify
 *   refuses, and for the values above without the exact part.
 */
export function stringifyJson(value: unknown): string {
  // One walk: it stops at bytes, and notes on the way what only the exact part writes and whether it stopped short.
  const found = traits(value, HAS_BYTES, MAX_WALK_DEPTH);
  if (found & HAS_BYTES) throw new SparrowError(ErrorCode.SerialisationError, 'JSON cannot carry bytes; use a msgpack or CBOR payload');
  if (found & TOO_DEEP) throw new SparrowError(ErrorCode.SerialisationError, `cannot encode as JSON: a cycle, or nesting deeper than ${MAX_WALK_DEPTH} levels`);
  if ((found & NEEDS_REPLACER) === 0) {
    try {
      return JSON.stringify(value) ?? 'null';
    } catch (error) {
      // Beyond what the walk checks (a toJSON that throws): the exact part reports it in its own words.
      if (exact === undefined) throw new SparrowError(ErrorCode.SerialisationError, `cannot encode as JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  if (exact === undefined) throw needsExactJson('NaN, ±Infinity, -0, a bigint, a schema float, a Map or a Set');
  return exact.stringify(value);
}

/**
 * Parses JSON text; with the exact part, integers beyond the safe range
 * stay exact as bigint and Python's NaN and ±Infinity are read.
 *
 * @throws SparrowError `serialisation-error` for malformed text (the
 *   engine's message, its position in `text`), and without the exact part
 *   for NaN, ±Infinity and integers beyond 2^53; `limit-exceeded` for
 *   nesting deeper than `maxDepth`.
 */
export function parseJson(text: string, maxDepth: number = DEFAULT_MAX_DEPTH): unknown {
  const mayRound = LONG_DIGITS.test(text);
  if (mayRound && exact !== undefined) return exact.parse(text, maxDepth);
  let value: unknown;
  try {
    // V8's JSON.parse is iterative, so hostile nesting cannot overflow the
    // stack here; depth is checked on the result.
    value = JSON.parse(text);
  } catch (error) {
    // Perhaps Python's NaN or Infinity, which the exact part reads (it also positions the engine's message in `text`).
    if (exact !== undefined) return exact.parse(text, maxDepth);
    throw needsExactJson(`invalid JSON (${(error as Error).message}); NaN or Infinity`, error);
  }
  if (text.length > 2 * maxDepth) checkDecoded(value, maxDepth);
  // Without the exact part: a long digit run in a string is fine, a number JSON.parse rounded is refused.
  if (mayRound && holdsUnsafeInteger(value)) throw needsExactJson('an integer beyond 2^53');
  return value;
}

/** True when `value` holds a number beyond ±(2^53 − 1), which JSON.parse may have rounded (nesting already checked). */
function holdsUnsafeInteger(value: unknown): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && !Number.isSafeInteger(value);
  return typeof value === 'object' && value !== null && Object.values(value).some(holdsUnsafeInteger);
}

/** The `j` serialiser (Node's links use `inPlaceJsonSerialiser`, the same with in-place paths). */
export const jsonSerialiser: Serialiser = {
  code: 'j',
  canCarryBytes: false,
  exceedsElements: jsonOver,
  encode(value: unknown): Uint8Array {
    return textEncoder.encode(stringifyJson(value));
  },
  decode(bytes: Uint8Array, maxDepth?: number): unknown {
    let text: string;
    try {
      text = textDecoder.decode(bytes);
    } catch (error) {
      throw new SparrowError(ErrorCode.SerialisationError, 'JSON part is not valid UTF-8', { cause: error });
    }
    return parseJson(text, maxDepth);
  },
};
