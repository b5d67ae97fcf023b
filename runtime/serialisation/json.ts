/**
 * The `j` serialiser: JSON as UTF-8 (PROTOCOL.md §3).
 *
 * Python's `json` keeps integers of any size, so int64 values must survive:
 * an integer literal beyond ±(2^53 − 1) decodes to a `bigint`, and a
 * `bigint` encodes as a bare JSON integer with all its digits. The fast path
 * is the engine's JSON.parse/JSON.stringify; the exact parser below runs
 * only when the text holds a run of 16+ digits (a possible big integer) or
 * a token Python writes but JSON.parse refuses (`NaN`, `Infinity`).
 *
 * Output is compact JSON (Python's `json.loads` accepts it). JSON cannot
 * carry bytes: `encode` refuses them; the envelope codec writes such a
 * payload with msgpack instead (decision 4).
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import { containsBytes } from './bytes.ts';
import { checkDecoded, nestingError } from './depth.ts';
import { DEFAULT_MAX_DEPTH, type Serialiser } from './serialiser.ts';
import { isWireFloat } from '../values.ts';

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });
/** A run this long may be an integer beyond 2^53 (9007199254740993 has 16 digits). */
const LONG_DIGITS = /\d{16}/;
let bigintNonce = 0;

/**
 * Serialises `value` as compact JSON text; bigints become bare integers,
 * NaN and ±Infinity are written as Python's json writes them (`NaN`,
 * `Infinity`, `-Infinity`), −0 as `-0.0`, a `WireFloat` as `2.0`, and a
 * `Map` as an object with its keys as strings (what Python's json does with int keys).
 * Does not look for bytes (callers that may hold bytes check first).
 *
 * @throws SparrowError `serialisation-error` for cycles and other values JSON.stringify refuses.
 */
export function stringifyJson(value: unknown): string {
  if (!needsReplacer(value, 0)) {
    try {
      return JSON.stringify(value) ?? 'null';
    } catch (error) {
      if (!(error instanceof TypeError) || !/bigint/i.test(error.message)) {
        throw new SparrowError(ErrorCode.SerialisationError, `cannot encode as JSON: ${(error as Error).message}`, { cause: error });
      }
    }
  }
  // Slow path, only for values holding a bigint, a non-finite number, -0 or
  // a Map: mark each such number with a nonce-tagged string, then strip the
  // quotes and the tag.
  const tag = `\u0000sparrow-number-${(bigintNonce = (bigintNonce + 1) % 1e9)}:`;
  let text: string;
  try {
    text = JSON.stringify(value, (_key, item: unknown) => replaceForJson(item, tag)) ?? 'null';
  } catch (error) {
    throw new SparrowError(ErrorCode.SerialisationError, `cannot encode as JSON: ${(error as Error).message}`, { cause: error });
  }
  const escapedTag = JSON.stringify(tag).slice(1, -1).replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  return text.replace(new RegExp(`"${escapedTag}(-?\\d+(?:\\.0)?|NaN|-?Infinity|-0\\.0)"`, 'g'), '$1');
}

function replaceForJson(item: unknown, tag: string): unknown {
  switch (typeof item) {
    case 'bigint':
      return tag + item.toString();
    case 'number':
      if (Number.isNaN(item)) return `${tag}NaN`;
      if (item === Number.POSITIVE_INFINITY) return `${tag}Infinity`;
      if (item === Number.NEGATIVE_INFINITY) return `${tag}-Infinity`;
      return Object.is(item, -0) ? `${tag}-0.0` : item;
    default:
      // A schema float that is integral (values.ts): `2.0`, so Python reads a float.
      if (typeof item === 'object' && item !== null && isWireFloat(item)) return `${tag}${item.value}.0`;
      return item instanceof Map ? Object.fromEntries([...(item as Map<unknown, unknown>)].map(([key, entry]) => [String(key), entry])) : item;
  }
}

/** Nesting this deep is left to JSON.stringify (which reports cycles its own way). */
const MAX_WALK_DEPTH = 512;

/** True when `value` holds a number JSON.stringify would write as null or 0 (NaN, ±Infinity, -0) or a Map (written as {}). */
function needsReplacer(value: unknown, depth: number): boolean {
  if (typeof value === 'number') return !Number.isFinite(value) || Object.is(value, -0);
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || depth > MAX_WALK_DEPTH) return false;
  if (value instanceof Map || isWireFloat(value)) return true;
  if (Array.isArray(value)) {
    for (let k = 0; k < value.length; k++) if (needsReplacer(value[k], depth + 1)) return true;
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) if (needsReplacer(record[key], depth + 1)) return true;
  return false;
}

/**
 * Parses JSON text, keeping integers beyond the safe range as bigint.
 *
 * @throws SparrowError `serialisation-error` for malformed text;
 *   `limit-exceeded` for nesting deeper than `maxDepth`.
 */
export function parseJson(text: string, maxDepth: number = DEFAULT_MAX_DEPTH): unknown {
  if (!LONG_DIGITS.test(text)) {
    let value: unknown;
    let parsed = false;
    try {
      // V8's JSON.parse is iterative, so hostile nesting cannot overflow the
      // stack here; depth is checked on the result.
      value = JSON.parse(text);
      parsed = true;
    } catch {
      // Fall through to the exact parser: it accepts NaN/Infinity and gives a positioned error.
    }
    if (parsed) return text.length > 2 * maxDepth ? checkDecoded(value, maxDepth, false) : value;
  }
  return new ExactParser(text, maxDepth).parseDocument();
}

/** The `j` serialiser. */
export const jsonSerialiser: Serialiser = {
  code: 'j',
  canCarryBytes: false,
  writeSmall: writeSmallJson,
  encode(value: unknown): Uint8Array {
    if (containsBytes(value)) {
      throw new SparrowError(ErrorCode.SerialisationError, 'JSON cannot carry bytes; use a msgpack or CBOR payload');
    }
    return textEncoder.encode(stringifyJson(value));
  },
  decode(bytes: Uint8Array, maxDepth: number = DEFAULT_MAX_DEPTH): unknown {
    if (bytes.length <= SMALL_JSON_BYTES) {
      // Flat, so no nesting check either.
      const small = readSmallJson(bytes);
      if (small !== NOT_SMALL_JSON) return small;
    }
    let text: string;
    try {
      text = textDecoder.decode(bytes);
    } catch (error) {
      throw new SparrowError(ErrorCode.SerialisationError, 'JSON part is not valid UTF-8', { cause: error });
    }
    return parseJson(text, maxDepth);
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

/** Parts up to this size try readSmallJson first (an envelope, small params, a scalar result). */
const SMALL_JSON_BYTES = 256;

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

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** A small recursive-descent JSON parser; recursion is bounded by maxDepth. */
class ExactParser {
  private readonly text: string;
  private readonly maxDepth: number;
  private pos = 0;

  constructor(text: string, maxDepth: number) {
    this.text = text;
    this.maxDepth = maxDepth;
  }

  parseDocument(): unknown {
    const value = this.parseValue(0);
    this.skipSpace();
    if (this.pos !== this.text.length) this.fail('unexpected text after the value');
    return value;
  }

  private fail(what: string): never {
    throw new SparrowError(ErrorCode.SerialisationError, `invalid JSON at offset ${this.pos}: ${what}`);
  }

  private skipSpace(): void {
    const text = this.text;
    let pos = this.pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
    this.pos = pos;
  }

  private parseValue(depth: number): unknown {
    this.skipSpace();
    const c = this.text.charCodeAt(this.pos);
    switch (c) {
      case 0x7b: // {
        return this.parseObject(depth + 1);
      case 0x5b: // [
        return this.parseArray(depth + 1);
      case 0x22: // "
        return this.parseString();
      case 0x74: // t
        return this.literal('true', true);
      case 0x66: // f
        return this.literal('false', false);
      case 0x6e: // n
        return this.literal('null', null);
      case 0x4e: // N (Python's allow_nan)
        return this.literal('NaN', Number.NaN);
      case 0x49: // I
        return this.literal('Infinity', Number.POSITIVE_INFINITY);
      default:
        if (c === 0x2d && this.text.startsWith('-Infinity', this.pos)) return this.literal('-Infinity', Number.NEGATIVE_INFINITY);
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.parseNumber();
        return this.fail('unexpected character');
    }
  }

  private literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail(`expected ${word}`);
    this.pos += word.length;
    return value;
  }

  private parseNumber(): number | bigint {
    const text = this.text;
    const start = this.pos;
    let pos = start;
    let integer = true;
    if (text.charCodeAt(pos) === 0x2d) pos++;
    const digitsStart = pos;
    while (isDigit(text.charCodeAt(pos))) pos++;
    if (pos === digitsStart) {
      this.pos = pos;
      this.fail('expected a digit');
    }
    if (text.charCodeAt(pos) === 0x2e) {
      integer = false;
      pos++;
      const fracStart = pos;
      while (isDigit(text.charCodeAt(pos))) pos++;
      if (pos === fracStart) {
        this.pos = pos;
        this.fail('expected a digit after the decimal point');
      }
    }
    const e = text.charCodeAt(pos);
    if (e === 0x65 || e === 0x45) {
      integer = false;
      pos++;
      const sign = text.charCodeAt(pos);
      if (sign === 0x2b || sign === 0x2d) pos++;
      const expStart = pos;
      while (isDigit(text.charCodeAt(pos))) pos++;
      if (pos === expStart) {
        this.pos = pos;
        this.fail('expected an exponent');
      }
    }
    this.pos = pos;
    const literal = text.slice(start, pos);
    const value = Number(literal);
    if (integer && (value > MAX_SAFE || value < -MAX_SAFE)) return BigInt(literal);
    return value;
  }

  private parseString(): string {
    const text = this.text;
    const start = ++this.pos;
    // Fast path: no escapes before the closing quote.
    let pos = start;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        this.pos = pos + 1;
        return text.slice(start, pos);
      }
      if (c === 0x5c) break;
      if (c < 0x20 || Number.isNaN(c)) {
        this.pos = pos;
        this.fail(Number.isNaN(c) ? 'unterminated string' : 'control character in string');
      }
      pos++;
    }
    // Slow path: find the end, honouring escapes, and let JSON.parse unescape.
    for (;;) {
      const c = text.charCodeAt(pos);
      if (Number.isNaN(c)) {
        this.pos = pos;
        this.fail('unterminated string');
      }
      if (c === 0x5c) pos += 2;
      else if (c === 0x22) break;
      else pos++;
    }
    this.pos = pos + 1;
    try {
      return JSON.parse(text.slice(start - 1, pos + 1)) as string;
    } catch {
      this.pos = start;
      return this.fail('bad escape in string');
    }
  }

  private parseArray(depth: number): unknown[] {
    if (depth > this.maxDepth) throw nestingError(this.maxDepth);
    this.pos++;
    const array: unknown[] = [];
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return array;
    }
    for (;;) {
      array.push(this.parseValue(depth));
      this.skipSpace();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 0x5d) return array;
      if (c !== 0x2c) {
        this.pos--;
        this.fail('expected , or ]');
      }
    }
  }

  private parseObject(depth: number): Record<string, unknown> {
    if (depth > this.maxDepth) throw nestingError(this.maxDepth);
    this.pos++;
    const object: Record<string, unknown> = {};
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return object;
    }
    for (;;) {
      this.skipSpace();
      if (this.text.charCodeAt(this.pos) !== 0x22) this.fail('expected a string key');
      const key = this.parseString();
      this.skipSpace();
      if (this.text.charCodeAt(this.pos++) !== 0x3a) {
        this.pos--;
        this.fail('expected :');
      }
      const value = this.parseValue(depth);
      // defineProperty so a "__proto__" key stays data, as with JSON.parse.
      if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
      else object[key] = value;
      this.skipSpace();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 0x7d) return object;
      if (c !== 0x2c) {
        this.pos--;
        this.fail('expected , or }');
      }
    }
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
