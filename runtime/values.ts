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

/**
 * A float the schema codec hands to the serialisers: a `float32`/`float64`
 * value that is integral, which JS cannot tell from an integer. Serialisers
 * write it as a float (msgpack `cb`, CBOR `fb`, JSON `2.0`), so a Python peer
 * gets a `float` where the schema says float. It exists only between the
 * codec's encode and the serialiser: decoding never produces one.
 */
export class WireFloat {
  declare readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

// A registry symbol, not `instanceof`: a second copy of the runtime (CommonJS beside ESM) makes its own class.
const WIRE_FLOAT: unique symbol = Symbol.for('sparrow-rpc.wire-float') as never;
(WireFloat.prototype as unknown as Record<symbol, boolean>)[WIRE_FLOAT] = true;

/** True for a {@link WireFloat}, from this copy of the runtime or another. */
export function isWireFloat(value: object): value is WireFloat {
  return (value as Record<symbol, unknown>)[WIRE_FLOAT] === true;
}

/**
 * `value` as a schema float goes on the wire: a {@link WireFloat} when it is
 * integral (the serialisers would write an integer), else the number itself.
 * −0 stays a number (the serialisers keep it a float already); integral
 * values from 1e21 up stay numbers too (every serialiser writes them as floats).
 */
export function floatOnWire(value: unknown): unknown {
  return typeof value === 'number' && Number.isInteger(value) && !Object.is(value, -0) && Math.abs(value) < 1e21 ? new WireFloat(value) : value;
}
