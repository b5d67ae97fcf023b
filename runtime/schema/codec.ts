/**
 * The value codec as plain functions, for code that converts a value now
 * and then: each call uses the decoder or encoder the one codec
 * (compiled-codec.ts) built for the type, built once and kept per type
 * table. The glue builds its own once per member instead.
 */
import { fieldsEncoder, invalid, refusalError, type Decode, type DecodeOptions, type Encode } from './codec-core.ts';
import { fieldsDecoder } from './codec-fields.ts';
import { valueCodec } from './compiled-codec.ts';
import type { FieldDesc, TypeDesc, TypeTable } from './descriptor.ts';

export { invalid, type DecodeOptions };

/** Built codecs of composite descriptors and field lists, by identity (named types are kept by the codec). */
const BUILT = new WeakMap<object, WeakMap<TypeTable, (Decode | Encode | undefined)[]>>();

function built<T extends Decode | Encode>(key: object, types: TypeTable, slot: number, build: () => T): T {
  let perTypes = BUILT.get(key);
  if (perTypes === undefined) {
    perTypes = new WeakMap();
    BUILT.set(key, perTypes);
  }
  let slots = perTypes.get(types);
  if (slots === undefined) {
    slots = [];
    perTypes.set(types, slots);
  }
  return (slots[slot] ??= build()) as T;
}

function slotOf(options: DecodeOptions): number {
  return (options.strict === true ? 1 : 0) + (options.modelForm === true ? 2 : 0);
}

/**
 * Decodes and validates a wire value of `type` (IDL.md "Types").
 * @throws SparrowError `invalid-params` naming the path under `path`: `v.items[3].id: expected int32, got string`.
 */
export function decodeValue(type: TypeDesc, value: unknown, types: TypeTable, path = '', options: DecodeOptions = {}): unknown {
  const decode = typeof type === 'string' ? valueCodec.decoder(type, types, options) : built(type, types, slotOf(options), () => valueCodec.decoder(type, types, options));
  try {
    return decode(value);
  } catch (error) {
    throw refusalError(error, path);
  }
}

/**
 * Decodes a wire map of fields (a struct, or a call's params) into an object
 * keyed by TS names: required keys checked, defaults applied, `null` for an
 * optional field read as absent, unknown keys dropped (or refused when strict).
 * @throws SparrowError `invalid-params`: `missing required param x` at the root, `p.x: …` below.
 */
export function decodeFields(fields: readonly FieldDesc[], value: Record<string, unknown>, types: TypeTable, path: string, options: DecodeOptions = {}): Record<string, unknown> {
  const decode = built(fields, types, slotOf(options), () => fieldsDecoder(fields, valueCodec, types, options, 'params'));
  try {
    return decode(value) as Record<string, unknown>;
  } catch (error) {
    throw refusalError(error, path);
  }
}

/** Converts a TS value of `type` to its wire form. Does not validate. */
export function encodeValue(type: TypeDesc, value: unknown, types: TypeTable): unknown {
  if (value === undefined || value === null) return value;
  const encode = typeof type === 'string' ? valueCodec.encoder(type, types) : built(type, types, 4, () => valueCodec.encoder(type, types));
  return encode(value);
}

/** Converts an object keyed by TS names to a wire map keyed by wire names. */
export function encodeFields(fields: readonly FieldDesc[], value: Record<string, unknown>, types: TypeTable): Record<string, unknown> {
  return built(fields, types, 4, () => fieldsEncoder(fields, valueCodec, types))(value) as Record<string, unknown>;
}

/** A default or constant from the model's JSON form, as its TS value. */
export function modelValue(type: TypeDesc, value: unknown, types: TypeTable): unknown {
  return decodeValue(type, value, types, '', { modelForm: true });
}
