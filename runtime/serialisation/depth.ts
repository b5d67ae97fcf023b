/**
 * Post-decode checks shared by the codecs: nesting depth, and turning
 * int64 values that fit a double back into numbers.
 */
import { ErrorCode, SparrowError } from '../errors.ts';

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Raises the nesting error every codec reports the same way. */
export function nestingError(maxDepth: number, cause?: unknown): SparrowError {
  return new SparrowError(ErrorCode.LimitExceeded, `value nested deeper than ${maxDepth} levels`, cause === undefined ? {} : { cause });
}

/**
 * Walks a decoded value: throws when maps/arrays nest deeper than
 * `maxDepth`; with `normaliseBigInt`, replaces bigints in the safe integer
 * range by numbers (in place). Recursion is bounded by `maxDepth`.
 *
 * @throws SparrowError `limit-exceeded` when nesting exceeds `maxDepth`.
 */
export function checkDecoded(value: unknown, maxDepth: number, normaliseBigInt: boolean): unknown {
  if (normaliseBigInt && typeof value === 'bigint') return toSafeNumber(value);
  if (typeof value === 'object' && value !== null) walk(value, 1, maxDepth, normaliseBigInt);
  return value;
}

function toSafeNumber(value: bigint): bigint | number {
  return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value;
}

function walk(container: object, depth: number, maxDepth: number, normaliseBigInt: boolean): void {
  if (ArrayBuffer.isView(container)) return;
  if (depth > maxDepth) throw nestingError(maxDepth);
  if (Array.isArray(container)) {
    for (let k = 0; k < container.length; k++) {
      const item: unknown = container[k];
      if (typeof item === 'object') {
        if (item !== null) walk(item, depth + 1, maxDepth, normaliseBigInt);
      } else if (normaliseBigInt && typeof item === 'bigint') {
        container[k] = toSafeNumber(item);
      }
    }
    return;
  }
  if (container instanceof Map) {
    for (const [key, item] of container) {
      if (typeof item === 'object' && item !== null) walk(item, depth + 1, maxDepth, normaliseBigInt);
      else if (normaliseBigInt && typeof item === 'bigint') container.set(key, toSafeNumber(item));
    }
    return;
  }
  const record = container as Record<string, unknown>;
  for (const key in record) {
    const item = record[key];
    if (typeof item === 'object') {
      if (item !== null) walk(item, depth + 1, maxDepth, normaliseBigInt);
    } else if (normaliseBigInt && typeof item === 'bigint') {
      record[key] = toSafeNumber(item);
    }
  }
}

/** True for a stack overflow raised while decoding hostile nesting. */
export function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}
