/**
 * JSON text ↔ values for `sparrowc call`, losslessly: integers beyond 2^53
 * stay exact (bigint, through the runtime's JSON serialiser), and bytes are
 * written `{"$bytes": "<base64>"}` both in params and in printed results.
 * Only the runtime's serialisation module is imported, so this stays cheap
 * to load.
 */
import { Buffer } from 'node:buffer';
import { parseJson, stringifyJson } from 'sparrow-rpc';

/** The key of the one-key object that stands for bytes. */
export const BYTES_KEY = '$bytes';

/** Any character outside the base64 alphabet (checked in one linear pass: a regex over the whole text with a repeated group backtracks, and blows the stack on megabytes). */
const NOT_BASE64 = /[^A-Za-z0-9+/=]/;

/**
 * Parses the params argument: a JSON object of named params. Integers
 * beyond ±(2^53 − 1) become bigint; `{"$bytes": "<base64>"}` anywhere
 * becomes a Uint8Array.
 * @throws Error with a message fit for the user (bad JSON, not an object, bad base64).
 */
export function parseParams(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (error) {
    throw new Error((error as Error).message);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('params must be a JSON object of named params, for example {"a": 1}');
  }
  return fromJsonValue(value, '') as Record<string, unknown>;
}

/** Replaces every `{"$bytes": "<base64>"}` with its bytes, recursively. */
export function fromJsonValue(value: unknown, path: string): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item, index) => fromJsonValue(item, `${path}[${index}]`));
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && keys[0] === BYTES_KEY) {
    const encoded = record[BYTES_KEY];
    const where = path === '' ? 'params' : path;
    if (typeof encoded !== 'string') throw new Error(`${where}: ${BYTES_KEY} must be a base64 string`);
    // Buffer.from silently skips bad characters; a typo must not send other bytes than meant.
    const compact = encoded.replace(/\s+/g, '');
    if (!isBase64(compact)) throw new Error(`${where}: ${BYTES_KEY} is not valid base64`);
    const bytes = Buffer.from(compact, 'base64');
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const item = fromJsonValue(record[key], path === '' ? key : `${path}.${key}`);
    // defineProperty keeps a "__proto__" key as data, as the parser did.
    Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * Canonical padded base64: a multiple of 4 characters from the alphabet,
 * with `=` only as the last one or two. Linear in the length, for any size.
 */
export function isBase64(text: string): boolean {
  if (text.length % 4 !== 0 || NOT_BASE64.test(text)) return false;
  const pad = text.indexOf('=');
  if (pad === -1) return true;
  // Padding: "x=" or "==" at the very end, nothing after.
  return pad >= text.length - 2 && (pad === text.length - 1 || text[text.length - 1] === '=');
}

/** Replaces bytes with `{"$bytes": "<base64>"}` and Maps with objects, recursively, so the value prints as JSON. */
export function toJsonValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (ArrayBuffer.isView(value)) {
    return { [BYTES_KEY]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  }
  if (value instanceof ArrayBuffer) return { [BYTES_KEY]: Buffer.from(value).toString('base64') };
  if (Array.isArray(value)) return value.map(toJsonValue);
  // A decoded timestamp prints as its ISO text (Date.prototype.toJSON).
  if (value instanceof Date) return value;
  // CBOR and msgpack may decode maps with non-string keys as Map: print keys as text.
  const entries = value instanceof Map ? [...value.entries()].map(([k, v]) => [String(k), v] as const) : Object.entries(value);
  const out: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    Object.defineProperty(out, key, { value: toJsonValue(item), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** One line of compact JSON for a result: `null` for no result, bigints as plain integers, bytes as `{"$bytes": …}`. */
export function formatResult(value: unknown): string {
  return stringifyJson(toJsonValue(value === undefined ? null : value));
}

/** Indented JSON (two spaces), with the same lossless rules as {@link formatResult}. */
export function formatPretty(value: unknown): string {
  return pretty(toJsonValue(value === undefined ? null : value), '');
}

function pretty(value: unknown, indent: string): string {
  if (typeof value !== 'object' || value === null || value instanceof Date) return stringifyJson(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((item) => inner + pretty(item, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([key, item]) => `${inner}${JSON.stringify(key)}: ${pretty(item, inner)}`).join(',\n')}\n${indent}}`;
}
