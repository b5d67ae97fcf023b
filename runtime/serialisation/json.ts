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
import { jsonOver } from './budget.ts';
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
  return parseExact(text, maxDepth);
}

/** The `j` serialiser (Node's links use `inPlaceJsonSerialiser`, the same with in-place paths). */
export const jsonSerialiser: Serialiser = {
  code: 'j',
  canCarryBytes: false,
  exceedsElements: jsonOver,
  encode(value: unknown): Uint8Array {
    if (containsBytes(value)) {
      throw new SparrowError(ErrorCode.SerialisationError, 'JSON cannot carry bytes; use a msgpack or CBOR payload');
    }
    return textEncoder.encode(stringifyJson(value));
  },
  decode(bytes: Uint8Array, maxDepth: number = DEFAULT_MAX_DEPTH): unknown {
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
 * One token at `lastIndex` (sticky), after any whitespace: a punctuator
 * (group 1), the quote opening a string (2), a number (3, with its
 * fraction or exponent in 4), or a word (5), Python's NaN and ±Infinity
 * among them.
 */
const TOKEN = /[ \t\n\r]*(?:([[\]{},:])|(")|(-?(?:0|[1-9]\d*)((?:\.\d+)?(?:[eE][+-]?\d+)?))|(true|false|null|NaN|Infinity|-Infinity))/y;
const WORDS: Readonly<Record<string, unknown>> = { true: true, false: false, null: null, NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };

// What the exact parser expects next.
const VALUE = 0;
/** A value or `]`, right after `[`. */
const FIRST_ITEM = 1;
/** A key or `}`, right after `{`. */
const FIRST_KEY = 2;
const KEY = 3;
const COLON = 4;
/** `,` or the open container's close. */
const NEXT = 5;
const END = 6;

/**
 * The exact JSON parser: integers beyond the safe range as bigint, Python's
 * NaN and ±Infinity. Iterative (an explicit stack of open containers), so
 * only `maxDepth` bounds nesting; a `__proto__` key stays an own data
 * property, as with JSON.parse.
 */
function parseExact(text: string, maxDepth: number): unknown {
  const open: (unknown[] | Record<string, unknown>)[] = [];
  const keys: string[] = [];
  let expect = VALUE;
  let pos = 0;
  let result: unknown;
  const fail = (what: string): never => {
    throw new SparrowError(ErrorCode.SerialisationError, `invalid JSON at offset ${pos}: ${what}`);
  };
  for (;;) {
    TOKEN.lastIndex = pos;
    const token = TOKEN.exec(text);
    if (token === null) {
      while (/[ \t\n\r]/.test(text.charAt(pos))) pos++;
      if (expect === END && pos === text.length) return result;
      return fail(expect === END ? 'unexpected text after the value' : 'unexpected character');
    }
    const punctuator = token[1];
    let value: unknown;
    if (punctuator === undefined) {
      if (token[2] !== undefined) {
        value = readString(text, TOKEN.lastIndex, fail);
        pos = stringEnd;
      } else {
        pos = TOKEN.lastIndex;
        value = token[3] === undefined ? WORDS[token[5]!] : Number(token[3]);
        if (token[4] === '' && Math.abs(value as number) > Number.MAX_SAFE_INTEGER) value = BigInt(token[3]!);
      }
      if (expect === KEY || expect === FIRST_KEY) {
        if (token[2] === undefined) return fail('expected a string key');
        keys[open.length - 1] = value as string;
        expect = COLON;
        continue;
      }
      if (expect !== VALUE && expect !== FIRST_ITEM) return fail(expect === END ? 'unexpected text after the value' : 'expected , or a close');
    } else {
      pos = TOKEN.lastIndex;
      const top = open[open.length - 1];
      if (punctuator === '[' || punctuator === '{') {
        if (expect !== VALUE && expect !== FIRST_ITEM) return fail(`unexpected ${punctuator}`);
        if (open.length >= maxDepth) throw nestingError(maxDepth);
        open.push(punctuator === '[' ? [] : {});
        expect = punctuator === '[' ? FIRST_ITEM : FIRST_KEY;
        continue;
      }
      if (punctuator === ',' || punctuator === ':') {
        if (expect !== (punctuator === ',' ? NEXT : COLON)) return fail(`unexpected ${punctuator}`);
        expect = punctuator === ':' ? VALUE : Array.isArray(top) ? VALUE : KEY;
        continue;
      }
      // A close: the container is the value.
      const array = Array.isArray(top);
      if (top === undefined || punctuator !== (array ? ']' : '}') || (expect !== NEXT && expect !== (array ? FIRST_ITEM : FIRST_KEY))) return fail(`unexpected ${punctuator}`);
      value = open.pop();
    }
    // A whole value: the document, an item, or a key's value.
    const container = open[open.length - 1];
    if (container === undefined) {
      result = value;
      expect = END;
    } else if (Array.isArray(container)) {
      container.push(value);
      expect = NEXT;
    } else {
      const key = keys[open.length - 1]!;
      if (key === '__proto__') Object.defineProperty(container, key, { value, enumerable: true, writable: true, configurable: true });
      else container[key] = value;
      expect = NEXT;
    }
  }
}

/** Where readString's string ended (after its closing quote). */
let stringEnd = 0;

/** The string whose text starts at `start` (after its quote), escapes read by JSON.parse; sets stringEnd. */
function readString(text: string, start: number, fail: (what: string) => never): string {
  let escaped = false;
  for (let pos = start; pos < text.length; pos++) {
    const c = text.charCodeAt(pos);
    if (c === 0x22) {
      stringEnd = pos + 1;
      if (!escaped) return text.slice(start, pos);
      try {
        return JSON.parse(text.slice(start - 1, pos + 1)) as string;
      } catch {
        return fail('bad escape in string');
      }
    }
    if (c < 0x20) return fail('control character in string');
    if (c === 0x5c) {
      escaped = true;
      pos++;
    }
  }
  return fail('unterminated string');
}
