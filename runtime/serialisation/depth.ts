/**
 * The nesting check shared by the codecs, run on a decoded value. (CBOR's
 * decode also turns its bigints back into numbers on the same walk: that
 * walk lives in cbor.ts, so a JSON-only bundle does not carry it.)
 */
import { ErrorCode, SparrowError } from '../errors.ts';

/** Raises the nesting error every codec reports the same way. */
export function nestingError(maxDepth: number, cause?: unknown): SparrowError {
  // (SparrowError leaves an undefined cause out.)
  return new SparrowError(ErrorCode.LimitExceeded, `value nested deeper than ${maxDepth} levels`, { cause });
}

/**
 * Returns `value`, after throwing when its maps/arrays nest deeper than
 * `maxDepth`. Recursion is bounded by `maxDepth`.
 *
 * @throws SparrowError `limit-exceeded` when nesting exceeds `maxDepth`.
 */
export function checkDecoded(value: unknown, maxDepth: number): unknown {
  if (typeof value === 'object' && value !== null) walk(value, 1, maxDepth);
  return value;
}

function walk(container: object, depth: number, maxDepth: number): void {
  if (ArrayBuffer.isView(container)) return;
  if (depth > maxDepth) throw nestingError(maxDepth);
  // A Map (msgpack's non-string keys) is rare: its values are checked as an array.
  if (container instanceof Map) container = [...(container as Map<unknown, unknown>).values()];
  if (Array.isArray(container)) {
    for (let k = 0; k < container.length; k++) {
      const item: unknown = container[k];
      if (typeof item === 'object' && item !== null) walk(item, depth + 1, maxDepth);
    }
    return;
  }
  for (const key in container) {
    const item = (container as Record<string, unknown>)[key];
    if (typeof item === 'object' && item !== null) walk(item, depth + 1, maxDepth);
  }
}

/** True for a stack overflow raised while decoding hostile nesting. */
export function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}
