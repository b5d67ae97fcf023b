/**
 * The numbers of the value codec: floats and the integers a JS number holds
 * (int64 and uint64 are compiled-codec.ts's), checked against the one table
 * of integer ranges (int-ranges.ts). Generated code passes `scalarCodec`
 * when its schema's values are all scalars and some of them numbers; a
 * schema without numbers leaves this file, and the range table, out of its
 * bundle.
 */
import { floatOnWire } from '../values.ts';
import { expected, identity, plainDecoder, refuse, unsupported, type Decode, type DecodeOptions, type Encode, type ValueCodec } from './codec-core.ts';
import type { TypeDesc } from './descriptor.ts';
import { INT_RANGES, type IntRange } from './int-ranges.ts';

/** Integers written as decimal strings (map keys; int64 in the model's JSON form). */
export const DECIMAL = /^-?\d+$/;

/** The range of an integer type JS numbers hold (not int64, uint64: the value codec's). */
export function numberRange(type: TypeDesc): readonly [number, number] | undefined {
  // Any other name (even one Object.prototype has) reads as no range: only the table's entries have `big`.
  const range = (INT_RANGES as Record<string, IntRange | undefined>)[type as string];
  return range?.big === false ? [Number(range.min), Number(range.max)] : undefined;
}

/**
 * Checks an integer of type `name` within [min, max] and gives it as a
 * number: a bigint in range is one too, and so is a decimal string in the
 * model's JSON form (`modelForm`).
 */
export function decodeNumberInteger(name: string, min: number, max: number, value: unknown, modelForm: boolean): number {
  if (typeof value === 'bigint' || (modelForm && typeof value === 'string' && DECIMAL.test(value))) {
    const n = BigInt(value);
    return n < min || n > max ? refuse(`${n} is out of range for ${name}`) : Number(n);
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) return expected(name, value);
  return value < min || value > max ? refuse(`${value} is out of range for ${name}`) : value;
}

/** The decoder of a scalar type (int64 and uint64 are the value codec's), or undefined for anything else. */
export function scalarDecoder(type: TypeDesc, options: DecodeOptions): Decode | undefined {
  if (type === 'float32' || type === 'float64') {
    return (value) => (typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : expected(type, value));
  }
  const range = numberRange(type);
  if (range === undefined) return plainDecoder(type);
  const [min, max] = range;
  const modelForm = options.modelForm === true;
  // The common case inline: a number in range is the answer.
  return (value) => (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : decodeNumberInteger(type as string, min, max, value, modelForm));
}

/** The encoder of a scalar type (floats are marked to be written as floats), or undefined for anything else. */
export function scalarEncoder(type: TypeDesc): Encode | undefined {
  if (type === 'float32' || type === 'float64') return floatOnWire;
  return scalarDecoder(type, {}) === undefined ? undefined : identity;
}

/** The codec of a schema whose values are all scalars, some of them numbers. */
export const scalarCodec: ValueCodec = {
  decoder: (type, _types, options) => scalarDecoder(type, options) ?? unsupported(type, 'valueCodec'),
  encoder: (type) => scalarEncoder(type) ?? unsupported(type, 'valueCodec'),
};
