/**
 * Guards on plain JS values that several layers need, one home each (at
 * the bottom: it imports nothing). Browser-safe.
 */

/** A map-shaped value: an object that is not an array, a Uint8Array or a Map. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof Map);
}

/** A promise or anything with a `then` method (objects and functions alike, as `await` sees them). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** An object with `Symbol.asyncIterator` or `Symbol.iterator` (a string is not one: it is not an object). */
export function isIterable(value: unknown): value is AsyncIterable<unknown> | Iterable<unknown> {
  return typeof value === 'object' && value !== null && (Symbol.asyncIterator in value || Symbol.iterator in value);
}
