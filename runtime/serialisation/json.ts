/**
 * The `j` serialiser: JSON as UTF-8 (PROTOCOL.md §3).
 *
 * Python's `json` keeps integers of any size, so int64 values must survive:
 * an integer literal beyond ±(2^53 − 1) decodes to a `bigint`, and a
 * `bigint` encodes as a bare JSON integer with all its digits. The fast path
 * is the engine's JSON.parse/JSON.stringify; the exact path below (a scan, then JSON.parse) runs
 * only when the text holds a run of 16+ digits (a possible big integer) or
 * a token Python writes but JSON.parse refuses (`NaN`, `Infinity`).
 *
 * Output is compact JSON (Python's `json.loads` accepts it). JSON cannot
 * carry bytes: `encode` refuses them; the envelope codec writes such a
 * payload with msgpack instead (decision 4).
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import { HAS_BYTES, NEEDS_REPLACER, traits } from './bytes.ts';
import { jsonOver } from './budget.ts';
import { checkDecoded, nestingError } from './depth.ts';
import { DEFAULT_MAX_DEPTH, type Serialiser } from './serialiser.ts';
import { isWireFloat } from '../values.ts';

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });
/** A run this long may be an integer beyond 2^53 (9007199254740993 has 16 digits). */
const LONG_DIGITS = /\d{16}/;
let bigintNonce = 0;
/** A number stringifyJson marked: the nonce, then the number's JSON text. */
const TAGGED_NUMBER = /"\\u0000sparrow-number-(\d+):(-?\d+(?:\.0)?|NaN|-?Infinity)"/g;

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
  return stringifyWith(value, traits(value, NEEDS_REPLACER, MAX_WALK_DEPTH));
}

/** stringifyJson, told by `found` (see traits) whether the value needs the replacer. */
function stringifyWith(value: unknown, found: number): string {
  if ((found & NEEDS_REPLACER) === 0) {
    try {
      return JSON.stringify(value) ?? 'null';
    } catch {
      // A bigint deeper than the walk looked, or a cycle: the replacer path writes the one and reports the other.
    }
  }
  // Slow path, only for values holding a bigint, a non-finite number, -0,
  // a WireFloat or a Map: mark each such number with a nonce-tagged string,
  // then strip the quotes and the tag.
  const nonce = (bigintNonce = (bigintNonce + 1) % 1e9);
  const tag = `\0sparrow-number-${nonce}:`;
  let text: string;
  try {
    text = JSON.stringify(value, (_key, item: unknown) => replaceForJson(item, tag)) ?? 'null';
  } catch (error) {
    throw new SparrowError(ErrorCode.SerialisationError, `cannot encode as JSON: ${(error as Error).message}`, { cause: error });
  }
  // One pattern compiled once (a RegExp per call cost more than the stringify): a tag of another nonce is left as it is.
  return text.replace(TAGGED_NUMBER, (match: string, of: string, number: string) => (of === String(nonce) ? number : match));
}

function replaceForJson(item: unknown, tag: string): unknown {
  if (typeof item === 'bigint' || (typeof item === 'number' && !Number.isFinite(item))) return tag + item;
  if (Object.is(item, -0)) return `${tag}-0.0`;
  if (typeof item !== 'object' || item === null) return item;
  // A schema float that is integral (values.ts): `2.0`, so Python reads a float. A Map's keys become strings, as Python writes int keys.
  return isWireFloat(item) ? `${tag}${item.value}.0` : item instanceof Map ? Object.fromEntries(item) : item;
}

/** Nesting this deep is left to JSON.stringify (which reports cycles its own way). */
const MAX_WALK_DEPTH = 512;

/**
 * Parses JSON text, keeping integers beyond the safe range as bigint and
 * accepting Python's NaN and ±Infinity.
 *
 * @throws SparrowError `serialisation-error` for malformed text (the
 *   engine's message, its position in `text`); `limit-exceeded` for nesting
 *   deeper than `maxDepth`.
 */
export function parseJson(text: string, maxDepth: number = DEFAULT_MAX_DEPTH): unknown {
  if (!LONG_DIGITS.test(text)) {
    let value: unknown;
    try {
      // V8's JSON.parse is iterative, so hostile nesting cannot overflow the
      // stack here; depth is checked on the result.
      value = JSON.parse(text);
    } catch {
      // Perhaps Python's NaN or Infinity: the exact path below.
      return parseExact(text, maxDepth);
    }
    return text.length > 2 * maxDepth ? checkDecoded(value, maxDepth) : value;
  }
  return parseExact(text, maxDepth);
}

/** The `j` serialiser (Node's links use `inPlaceJsonSerialiser`, the same with in-place paths). */
export const jsonSerialiser: Serialiser = {
  code: 'j',
  canCarryBytes: false,
  exceedsElements: jsonOver,
  encode(value: unknown): Uint8Array {
    // One walk for both checks: it looks for bytes to the end, noting a value that needs the replacer on the way.
    const found = traits(value, HAS_BYTES, MAX_WALK_DEPTH);
    if ((found & HAS_BYTES) !== 0) throw new SparrowError(ErrorCode.SerialisationError, 'JSON cannot carry bytes; use a msgpack or CBOR payload');
    return textEncoder.encode(stringifyWith(value, found));
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
 * A number at `lastIndex` (sticky), its fraction in group 1 and exponent in
 * group 2, or one of Python's words.
 */
const NUMBER_OR_WORD = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|NaN|-?Infinity/y;

/**
 * The exact path: the tokens JSON.parse would round (integers beyond
 * ±(2^53 − 1)) or refuse (NaN, ±Infinity) become strings that start with a
 * random tag, and a walk (`revive`) turns them back. The tag is 64 random
 * bits drawn per parse, so no sender's string can pass for one. Nesting is
 * counted while scanning, so the recursive walk never runs deeper than
 * `maxDepth`; malformed text is the engine's to report (its message quotes
 * the text with NaN/Infinity written as 0.0…, at their positions).
 */
function parseExact(text: string, maxDepth: number): unknown {
  const tag = `${crypto.getRandomValues(new Uint32Array(2)).join('-')}:`;
  let value: unknown;
  try {
    value = JSON.parse(rewriteRare(text, maxDepth, (token) => `"\\u0000${tag}${token}"`));
  } catch (error) {
    if (error instanceof SparrowError) throw error;
    let positioned = error as Error;
    try {
      // The same text with each word as a number of its length: the engine's error then points into `text`.
      JSON.parse(rewriteRare(text, maxDepth, (token) => (/\d$/.test(token) ? token : '0.'.padEnd(token.length, '0'))));
    } catch (again) {
      positioned = again as Error;
    }
    throw new SparrowError(ErrorCode.SerialisationError, `invalid JSON: ${positioned.message}`, { cause: positioned });
  }
  const holder = { value };
  revive(holder, `\0${tag}`);
  return holder.value;
}

/**
 * Turns the tagged strings in `container` back into numbers, in place (a
 * walk in JS: a JSON.parse reviver, called for every value, cost twice as
 * much). Depth is bounded: the scan counted it.
 */
function revive(container: Record<string, unknown>, tag: string): void {
  for (const key in container) {
    const item = container[key];
    if (typeof item === 'string') {
      if (item.startsWith(tag)) container[key] = parseToken(item.slice(tag.length));
    } else if (typeof item === 'object' && item !== null) revive(item as Record<string, unknown>, tag);
  }
}

/** An integer's digits as a bigint, a word as its number. */
function parseToken(token: string): number | bigint {
  return /\d$/.test(token) ? BigInt(token) : Number(token);
}

/**
 * `text` with every big integer, NaN and ±Infinity outside strings replaced
 * by `rewrite(token)`, in one linear scan.
 *
 * @throws SparrowError `limit-exceeded` when brackets nest deeper than `maxDepth`.
 */
function rewriteRare(text: string, maxDepth: number, rewrite: (token: string) => string): string {
  let out = '';
  let from = 0;
  let depth = 0;
  for (let pos = 0; pos < text.length; ) {
    const c = text.charCodeAt(pos);
    if (c === 0x22) {
      // A string, escapes and all (a 16-digit run in it stays text).
      for (pos++; pos < text.length && text.charCodeAt(pos) !== 0x22; pos++) if (text.charCodeAt(pos) === 0x5c) pos++;
      pos++;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) throw nestingError(maxDepth);
      pos++;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
      pos++;
    } else if (c === 0x2d || c === 0x4e || c === 0x49 || (c >= 0x30 && c <= 0x39)) {
      // `-`, a digit, `N` or `I`: perhaps a number or a word.
      NUMBER_OR_WORD.lastIndex = pos;
      const token = NUMBER_OR_WORD.exec(text);
      if (token === null) {
        pos++;
        continue;
      }
      pos = NUMBER_OR_WORD.lastIndex;
      // A fraction or exponent is a float; NaN and ±Infinity fail the comparison.
      if (token[1] !== undefined || token[2] !== undefined || Math.abs(+token[0]) <= Number.MAX_SAFE_INTEGER) continue;
      out += text.slice(from, token.index) + rewrite(token[0]);
      from = pos;
    } else pos++;
  }
  return out + text.slice(from);
}
