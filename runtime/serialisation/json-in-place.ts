/**
 * JSON's in-place paths, which Node's platform uses (its `j` serialiser,
 * serialisation/registry.ts): a small value written straight into the
 * link's slab, and a small part read without making text of it first. The
 * browser's plain `jsonSerialiser` leaves them out of a page's bundle: they
 * were tuned on Node's pipelined bench (see each function), and a page's
 * calls do not need them.
 */
import { isWireFloat } from '../values.ts';
import { jsonSerialiser } from './json.ts';
import type { Serialiser } from './serialiser.ts';

/** Parts up to this size try readSmallJson first (an envelope, small params, a scalar result). */
const SMALL_JSON_BYTES = 256;

/** The `j` serialiser with the in-place writer and the small-part reader: the same bytes and values as `jsonSerialiser`, faster. */
export const inPlaceJsonSerialiser: Serialiser = {
  ...jsonSerialiser,
  writeSmall: writeSmallJson,
  decode(bytes: Uint8Array, maxDepth?: number): unknown {
    if (bytes.length <= SMALL_JSON_BYTES) {
      // Flat, so no nesting check either.
      const small = readSmallJson(bytes);
      if (small !== NOT_SMALL_JSON) return small;
    }
    return jsonSerialiser.decode(bytes, maxDepth);
  },
};

/**
 * Serialiser.writeSmall for JSON: writes what JSON.stringify writes for a
 * scalar or a plain object of at most 15 scalars (an envelope, `{a, b}`
 * params, a number result), straight into `out` as ASCII: strings of
 * printable ASCII needing no escape, finite numbers but -0 (which
 * stringifyJson writes as Python's -0.0), booleans and null. Anything else
 * (undefined, which stringify drops from objects, other types, escapes,
 * non-ASCII text, nesting) declines with -1, as does running into `limit`.
 * With it a JSON call is written into the link's slab like a msgpack one:
 * no JSON.stringify, no text, no chain buffer of its own (tcp+json
 * pipelined, in-process: stringifyJson and encodeChain were 11 % and 13 %
 * of the CPU).
 */
export function writeSmallJson(value: unknown, out: Uint8Array, pos: number, limit: number): number {
  if (typeof value !== 'object' || value === null || isWireFloat(value)) return writeJsonScalar(value, out, pos, limit);
  if (Object.getPrototypeOf(value) !== Object.prototype || pos >= limit) return -1;
  out[pos++] = 0x7b; // {
  let count = 0;
  for (const key in value) {
    if (++count > 15) return -1;
    if (count > 1) {
      if (pos >= limit) return -1;
      out[pos++] = 0x2c; // ,
    }
    pos = writeJsonString(out, pos, key, limit);
    if (pos < 0 || pos >= limit) return -1;
    out[pos++] = 0x3a; // :
    pos = writeJsonScalar((value as Record<string, unknown>)[key], out, pos, limit);
    if (pos < 0) return -1;
  }
  if (pos >= limit) return -1;
  out[pos++] = 0x7d; // }
  return pos;
}

function writeJsonScalar(value: unknown, out: Uint8Array, pos: number, limit: number): number {
  switch (typeof value) {
    case 'string':
      return writeJsonString(out, pos, value, limit);
    case 'number':
      if (!Number.isFinite(value) || Object.is(value, -0)) return -1;
      return writeAsciiText(out, pos, (value | 0) === value ? writeIntDigits(value) : String(value), limit);
    case 'boolean':
      return writeAsciiText(out, pos, value ? 'true' : 'false', limit);
    case 'object':
      if (value === null) return writeAsciiText(out, pos, 'null', limit);
      // A schema float that is integral (values.ts): `2.0`, as stringifyJson writes it (an integer under 1e21 has no exponent).
      return isWireFloat(value) ? writeAsciiText(out, pos, `${value.value}.0`, limit) : -1;
    default:
      return -1;
  }
}

/** An int32 as JSON.stringify writes it (small ones come from a table: ids and counters). */
function writeIntDigits(value: number): string {
  return value >= 0 && value < SMALL_INTS.length ? SMALL_INTS[value]! : String(value);
}
const SMALL_INTS: readonly string[] = /* @__PURE__ */ Array.from({ length: 1024 }, (_, k) => String(k));

/** `"text"` when text is printable ASCII with nothing to escape; -1 otherwise or without room. */
function writeJsonString(out: Uint8Array, pos: number, text: string, limit: number): number {
  const length = text.length;
  if (pos + length + 2 > limit) return -1;
  out[pos++] = 0x22;
  for (let k = 0; k < length; k++) {
    const code = text.charCodeAt(k);
    if (code < 0x20 || code >= 0x80 || code === 0x22 || code === 0x5c) return -1;
    out[pos++] = code;
  }
  out[pos++] = 0x22;
  return pos;
}

/** ASCII text as it is (digits, true, false, null); -1 without room. */
function writeAsciiText(out: Uint8Array, pos: number, text: string, limit: number): number {
  const length = text.length;
  if (pos + length > limit) return -1;
  for (let k = 0; k < length; k++) out[pos++] = text.charCodeAt(k);
  return pos;
}


/** readSmallJson's answer for input it leaves to the full parser. */
export const NOT_SMALL_JSON: unique symbol = Symbol('not-small-json');

/**
 * Reads what nearly every JSON message carries, as JSON.parse would, with
 * no text made of the bytes first: a scalar, or an object of at most 15
 * scalars under plain keys (compact, or with Python's ", " and ": "). Text
 * must be printable ASCII with no escapes; numbers are integers of at most
 * 15 digits (exact as they are) or decimals Number() reads as JSON.parse
 * does. Anything else (escapes, non-ASCII, nesting, big integers, a
 * `__proto__` key, odd spacing, trailing bytes) is NOT_SMALL_JSON, never an
 * error: the full parser then reads it and reports what is wrong.
 * For pipelined JSON calls TextDecoder + JSON.parse were the largest share
 * of a peer's decode (parseJson alone 16 % of the in-process profile).
 */
export function readSmallJson(bytes: Uint8Array): unknown {
  const length = bytes.length;
  if (length === 0) return NOT_SMALL_JSON;
  if (bytes[0] !== 0x7b) {
    const end = readJsonScalar(bytes, 0, length);
    return end === length ? jsonScalar : NOT_SMALL_JSON;
  }
  const out: Record<string, unknown> = {};
  let pos = 1;
  if (bytes[pos] === 0x7d) return pos + 1 === length ? out : NOT_SMALL_JSON;
  for (let count = 1; ; count++) {
    if (count > 15 || bytes[pos] !== 0x22) return NOT_SMALL_JSON;
    pos = readJsonString(bytes, pos + 1, length);
    const key = jsonScalar as string;
    if (pos < 0 || key === '__proto__' || bytes[pos++] !== 0x3a) return NOT_SMALL_JSON;
    if (bytes[pos] === 0x20) pos++;
    pos = readJsonScalar(bytes, pos, length);
    if (pos < 0) return NOT_SMALL_JSON;
    out[key] = jsonScalar;
    const next = bytes[pos++];
    if (next === 0x7d) return pos === length ? out : NOT_SMALL_JSON;
    if (next !== 0x2c) return NOT_SMALL_JSON;
    if (bytes[pos] === 0x20) pos++;
  }
}

/** readJsonScalar's value (a module variable: no result object per value). */
let jsonScalar: unknown;

/** Reads one scalar at `pos` into jsonScalar; the position after it, or -1 for anything readSmallJson leaves alone. */
function readJsonScalar(bytes: Uint8Array, pos: number, length: number): number {
  if (pos >= length) return -1;
  const first = bytes[pos]!;
  if (first === 0x22) return readJsonString(bytes, pos + 1, length);
  if (first === 0x74) return readLiteral(bytes, pos, length, 'true', true);
  if (first === 0x66) return readLiteral(bytes, pos, length, 'false', false);
  if (first === 0x6e) return readLiteral(bytes, pos, length, 'null', null);
  return readJsonNumber(bytes, pos, length);
}

function readLiteral(bytes: Uint8Array, pos: number, length: number, word: string, value: unknown): number {
  if (pos + word.length > length) return -1;
  for (let k = 0; k < word.length; k++) if (bytes[pos + k] !== word.charCodeAt(k)) return -1;
  jsonScalar = value;
  return pos + word.length;
}

/** The rest of a string after its opening quote: printable ASCII up to the closing quote, no escapes. */
function readJsonString(bytes: Uint8Array, pos: number, length: number): number {
  let text = '';
  for (let k = pos; k < length; k++) {
    const code = bytes[k]!;
    if (code === 0x22) {
      jsonScalar = text;
      return k + 1;
    }
    if (code < 0x20 || code >= 0x80 || code === 0x5c) return -1;
    text += String.fromCharCode(code);
  }
  return -1;
}

/** A JSON number: `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`; integers of up to 15 digits summed exactly, others read by Number(). */
function readJsonNumber(bytes: Uint8Array, pos: number, length: number): number {
  const start = pos;
  let negative = false;
  if (bytes[pos] === 0x2d) {
    negative = true;
    pos++;
  }
  const digitsStart = pos;
  let value = 0;
  while (pos < length && bytes[pos]! >= 0x30 && bytes[pos]! <= 0x39) value = value * 10 + (bytes[pos++]! - 0x30);
  const digits = pos - digitsStart;
  if (digits === 0 || (digits > 1 && bytes[digitsStart] === 0x30) || digits > 15) return -1;
  let integer = true;
  if (bytes[pos] === 0x2e) {
    integer = false;
    const fraction = ++pos;
    while (pos < length && bytes[pos]! >= 0x30 && bytes[pos]! <= 0x39) pos++;
    if (pos === fraction) return -1;
  }
  if (bytes[pos] === 0x65 || bytes[pos] === 0x45) {
    integer = false;
    pos++;
    if (bytes[pos] === 0x2b || bytes[pos] === 0x2d) pos++;
    const exponent = pos;
    while (pos < length && bytes[pos]! >= 0x30 && bytes[pos]! <= 0x39) pos++;
    if (pos === exponent) return -1;
  }
  if (integer) {
    // -0 stays -0, as JSON.parse reads it.
    jsonScalar = negative ? -value : value;
    return pos;
  }
  let text = '';
  for (let k = start; k < pos; k++) text += String.fromCharCode(bytes[k]!);
  jsonScalar = Number(text);
  return pos;
}
