/**
 * JSON's exact numbers: the part of the `j` serialiser (json.ts) for the
 * values the engine's JSON.parse and JSON.stringify get wrong. Python's
 * `json` keeps integers of any size and writes NaN and ±Infinity as bare
 * tokens, so int64 values and non-finite floats must survive: an integer
 * literal beyond ±(2^53 − 1) decodes to a `bigint`, `NaN`/`Infinity`/
 * `-Infinity` decode to their numbers; a `bigint` encodes with all its
 * digits, NaN and ±Infinity as Python writes them, −0 as `-0.0`, a
 * `WireFloat` as `2.0`, and a `Map` as an object with string keys.
 *
 * A part, so that a page whose schema carries no numbers leaves it out of
 * its bundle (about 700 bytes gzipped): the Node platform installs it, and
 * generated code passes it in its glue (`json: exactJson`) when its schema
 * has an integer, a float or `any`. A page can also call
 * `installExactJson(exactJson)` itself.
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import { isWireFloat } from '../values.ts';
import { nestingError } from './depth.ts';
import type { ExactJson } from './json.ts';

/** The exact-numbers part of the JSON serialiser: give it to `installExactJson`. */
export const exactJson: ExactJson = { parse: parseExact, stringify: stringifyExact };

let numberNonce = 0;
/** A number stringifyExact marked: the nonce, then the number's JSON text. */
const TAGGED_NUMBER = /"\\u0000sparrow-number-(\d+):(-?\d+(?:\.0)?|NaN|-?Infinity)"/g;

/**
 * Writes `value` as compact JSON with its bigints, non-finite numbers, −0,
 * WireFloats and Maps as Python's json would: each such number is marked
 * with a nonce-tagged string, then the quotes and the tag are stripped.
 *
 * @throws SparrowError `serialisation-error` for cycles and other values JSON.stringify refuses.
 */
function stringifyExact(value: unknown): string {
  const nonce = (numberNonce = (numberNonce + 1) % 1e9);
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
  // A schema float that is integral (values.ts): `2.0`, so Python reads a float. A Map's keys become strings, as Python
  // writes int keys; a Set is a list, as msgpack writes one.
  if (isWireFloat(item)) return `${tag}${item.value}.0`;
  return item instanceof Map ? Object.fromEntries(item) : item instanceof Set ? [...item] : item;
}

/**
 * A number at `lastIndex` (sticky), its fraction in group 1 and exponent in
 * group 2, or one of Python's words.
 */
const NUMBER_OR_WORD = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|NaN|-?Infinity/y;

/**
 * The exact parse: the tokens JSON.parse would round (integers beyond
 * ±(2^53 − 1)) or refuse (NaN, ±Infinity) become strings that start with a
 * random tag, and a walk (`revive`) turns them back. The tag is 64 random
 * bits drawn per parse, so no sender's string can pass for one. Nesting is
 * counted while scanning, so the recursive walk never runs deeper than
 * `maxDepth`; malformed text is the engine's to report (its message quotes
 * the text with NaN/Infinity written as 0.0…, at their positions).
 *
 * @throws SparrowError `serialisation-error` for malformed text; `limit-exceeded` for nesting deeper than `maxDepth`.
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
