/**
 * The decode budget: how many values one encoded part may hold, checked on
 * the bytes before any decoder allocates (issue: a 10 MiB msgpack array of
 * 10.5M empty maps cost +730 MiB once decoded).
 *
 * Every value counts one: a scalar, a map, an array, and each map key. The
 * scan reads container headers (msgpack array/map lengths, CBOR counts) and
 * stops as soon as the declared counts pass the budget, so a hostile header
 * costs nothing. JSON is counted by its brackets and separators outside
 * strings.
 *
 * A value takes at least one byte in every serialiser, so a part no longer
 * than the budget can never breach it: callers skip the scan then, and small
 * messages pay nothing.
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import type { Serialiser } from './serialiser.ts';

/** Default most values in one decoded part (envelope, params, result or callback declarations). */
export const DEFAULT_MAX_ELEMENTS = 1_000_000;

/** The error every serialiser reports for a breached decode budget. */
export function elementBudgetError(maxElements: number): SparrowError {
  return new SparrowError(ErrorCode.LimitExceeded, `value holds more than ${maxElements} elements (the receiver's decode budget)`);
}

/**
 * Throws when the part `bytes`, in `serialiser`, holds more than
 * `maxElements` values (by the serialiser's own scan, one of those below:
 * a JSON-only bundle carries only JSON's). Malformed input is left to the
 * decoder (the scan just stops).
 *
 * @throws SparrowError `limit-exceeded` from elementBudgetError.
 */
export function checkElementBudget(serialiser: Serialiser, bytes: Uint8Array, maxElements: number): void {
  if (bytes.length > maxElements && serialiser.exceedsElements(bytes, maxElements)) throw elementBudgetError(maxElements);
}

/** True when the msgpack bytes declare or hold more than `max` values. */
export function msgpackOver(bytes: Uint8Array, max: number): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length;
  // Values known to exist: the top one plus every declared container item.
  let declared = 1;
  let pos = 0;
  while (pos < end) {
    const tag = bytes[pos++]!;
    let skip = 0;
    let items = 0;
    if (tag < 0x80 || tag >= 0xe0) skip = 0;
    else if (tag < 0x90) items = (tag & 0x0f) * 2;
    else if (tag < 0xa0) items = tag & 0x0f;
    else if (tag < 0xc0) skip = tag & 0x1f;
    else {
      if (pos + 4 > end && tag >= 0xc4) return false; // truncated: the decoder says so
      switch (tag) {
        case 0xc4: case 0xd9: skip = bytes[pos++]!; break;
        case 0xc5: case 0xda: skip = view.getUint16(pos); pos += 2; break;
        case 0xc6: case 0xdb: skip = view.getUint32(pos); pos += 4; break;
        case 0xc7: skip = bytes[pos]! + 1; pos += 1; break;
        case 0xc8: skip = view.getUint16(pos) + 1; pos += 2; break;
        case 0xc9: skip = view.getUint32(pos) + 1; pos += 4; break;
        case 0xca: case 0xce: case 0xd2: skip = 4; break;
        case 0xcb: case 0xcf: case 0xd3: skip = 8; break;
        case 0xcc: case 0xd0: skip = 1; break;
        case 0xcd: case 0xd1: case 0xd4: skip = 2; break;
        case 0xd5: skip = 3; break;
        case 0xd6: skip = 5; break;
        case 0xd7: skip = 9; break;
        case 0xd8: skip = 17; break;
        case 0xdc: items = view.getUint16(pos); pos += 2; break;
        case 0xdd: items = view.getUint32(pos); pos += 4; break;
        case 0xde: items = view.getUint16(pos) * 2; pos += 2; break;
        case 0xdf: items = view.getUint32(pos) * 2; pos += 4; break;
        default: break; // nil, booleans, never-used: one byte
      }
    }
    declared += items;
    if (declared > max) return true;
    pos += skip;
  }
  return false;
}

/** True when the CBOR bytes declare or hold more than `max` values (indefinite containers count item by item). */
export function cborOver(bytes: Uint8Array, max: number): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length;
  let declared = 1;
  let seen = 0;
  let pos = 0;
  while (pos < end) {
    const head = bytes[pos++]!;
    if (head === 0xff) continue; // break of an indefinite container
    const major = head >> 5;
    const info = head & 0x1f;
    let n = 0;
    if (info < 24) n = info;
    else if (info === 24) n = bytes[pos++] ?? 0;
    else if (info === 25) {
      if (pos + 2 > end) return false;
      n = view.getUint16(pos);
      pos += 2;
    } else if (info === 26) {
      if (pos + 4 > end) return false;
      n = view.getUint32(pos);
      pos += 4;
    } else if (info === 27) {
      if (pos + 8 > end) return false;
      n = Number(view.getBigUint64(pos));
      pos += 8;
    } else if (info !== 31) return false; // reserved: malformed, the decoder reports it
    if (major === 6) continue; // a tag wraps the next item
    seen++;
    if (major === 2 || major === 3) {
      if (info !== 31) pos += n;
    } else if ((major === 4 || major === 5) && info !== 31) {
      declared += major === 5 ? n * 2 : n;
    }
    if (declared > max || seen > max) return true;
  }
  return false;
}

/**
 * True when the JSON text holds more than `max` values. Outside strings:
 * the top value, plus one per `,` (the next item or key), one per `:` (a
 * value), and one for whatever opens a non-empty `[` or `{` (its first item
 * or key: the next byte past whitespace that does not close it).
 */
export function jsonOver(bytes: Uint8Array, max: number): boolean {
  let count = 1;
  let inString = false;
  let last = 0;
  for (let pos = 0; pos < bytes.length; pos++) {
    const byte = bytes[pos]!;
    if (inString) {
      if (byte === 0x5c) pos++; // the escaped byte cannot end the string
      else if (byte === 0x22) inString = false;
    } else if (byte > 0x20) {
      // (JSON's whitespace is all at or below 0x20; other control bytes there are the decoder's to refuse.)
      if ((byte === 0x2c || byte === 0x3a || ((last === 0x5b || last === 0x7b) && byte !== 0x5d && byte !== 0x7d)) && ++count > max) return true;
      inString = byte === 0x22;
      last = byte;
    }
  }
  return false;
}
