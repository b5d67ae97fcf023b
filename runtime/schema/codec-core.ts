/**
 * The core of the one value codec (compiled-codec.ts holds the rest): how a
 * refused value gets its precise path, the scalar types, and maps of fields
 * (a call's params, a struct's fields). A schema whose params and results
 * are all scalars needs nothing more, so a bundle of its generated client
 * carries only this file (`scalarCodec`).
 *
 * Decoders are built once per type and check a value in one pass. The first
 * thing a decoder refuses throws a {@link Refusal}; each container it leaves
 * adds its step (`.name`, `[3]`, `["key"]`) on the way out, and the entry
 * turns it into `SparrowError('invalid-params', 'params.items[3].id: expected
 * int32, got string')`. A valid value builds no path string at all.
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import { floatOnWire, isPlainObject } from '../values.ts';
import { INT_RANGES, type IntRange } from './int-ranges.ts';
import { tsKey, type FieldDesc, type TypeDesc, type TypeTable } from './descriptor.ts';

/** Options of a decoder. */
export interface DecodeOptions {
  /** Reject unknown struct fields and params instead of ignoring them. */
  readonly strict?: boolean;
  /** Accept integers as decimal strings (the model's JSON form of int64 defaults and constants). */
  readonly modelForm?: boolean;
}

/** A built decoder: the TS value, or a thrown {@link Refusal}. */
export type Decode = (value: unknown) => unknown;
/** A built encoder: the wire value. Encoders trust the static types and do not validate. */
export type Encode = (value: unknown) => unknown;

/**
 * Builds decoders and encoders of value types. `scalarCodec` knows the
 * scalars; `valueCodec` (compiled-codec.ts) every type of the IDL.
 */
export interface ValueCodec {
  /** @throws SparrowError `invalid-state` when this codec cannot decode `type`. */
  decoder(type: TypeDesc, types: TypeTable, options: DecodeOptions): Decode;
  /** @throws SparrowError `invalid-state` when this codec cannot encode `type`. */
  encoder(type: TypeDesc, types: TypeTable): Encode;
}

/** A refused value on its way out of a decoder; `path` grows one step per container it leaves. */
export class Refusal {
  declare path: string;
  declare readonly message: string;
  /** A missing or unknown key: the message then names a `param` at the root, a `field` below. */
  declare readonly key: string | undefined;

  constructor(message: string, key?: string) {
    this.path = '';
    this.message = message;
    this.key = key;
  }
}

/** Refuses the value being decoded. */
export function refuse(message: string, key?: string): never {
  throw new Refusal(message, key);
}

/** Rethrows `error` one container further out: `step` is `.name`, `[3]` or `["key"]`. */
export function below(error: unknown, step: string): never {
  if (error instanceof Refusal) error.path = step + error.path;
  throw error;
}

/** The `invalid-params` error for a value at `path`. */
export function invalid(path: string, message: string): SparrowError {
  return new SparrowError(ErrorCode.InvalidParams, path === '' ? message : `${path}: ${message}`);
}

/** `error` as the decoder's caller sees it: a refusal becomes a `SparrowError` naming its path under `root`. */
export function refusalError(error: unknown, root: string): unknown {
  if (!(error instanceof Refusal)) return error;
  const path = root === '' && error.path.startsWith('.') ? error.path.slice(1) : root + error.path;
  const message = error.key === undefined ? error.message : `${error.message} ${path === '' ? 'param' : 'field'} ${error.key}`;
  return invalid(path, message);
}

/**
 * `decode` with a path for its errors: what the glue calls.
 * @throws SparrowError `invalid-params` naming the refused value's path under `root`.
 */
export function rooted(decode: Decode, root = ''): Decode {
  return (value) => {
    try {
      return decode(value);
    } catch (error) {
      throw refusalError(error, root);
    }
  };
}

/** How a refused value is named in messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'number' || typeof value === 'bigint') return `${typeof value === 'bigint' || Number.isInteger(value) ? 'integer' : 'number'} ${value}`;
  return typeof value;
}

/** Refuses `value`, which is not a `name`. */
export function expected(name: string, value: unknown): never {
  return refuse(`expected ${name}, got ${describeValue(value)}`);
}

const identity: Decode = (value) => value;

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
  switch (type) {
    case 'bool':
    case 'string': {
      const name = type === 'bool' ? 'boolean' : 'string';
      return (value) => (typeof value === name ? value : expected(type, value));
    }
    case 'float32':
    case 'float64':
      return (value) => (typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : expected(type, value));
    case 'bytes':
      return (value) => (value instanceof Uint8Array ? value : expected(type, value));
    case 'any':
      return identity;
    case 'void':
      return () => undefined;
  }
  const range = numberRange(type);
  if (range === undefined) return undefined;
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

/** True for an encoder that hands values over as they are (no call per field needed). */
export function isIdentity(encode: Encode): boolean {
  return encode === identity;
}

/** @throws SparrowError `invalid-state`: a descriptor bug, or generated code built without the part it needs. */
export function descriptorError(message: string): never {
  throw new SparrowError(ErrorCode.InvalidState, message);
}

function unsupported(type: TypeDesc): never {
  return descriptorError(`${JSON.stringify(type)} needs the valueCodec`);
}

/**
 * The codec of a schema whose values are all scalars: what generated code
 * uses when it passes no `valueCodec`.
 */
export const scalarCodec: ValueCodec = {
  decoder: (type, _types, options) => scalarDecoder(type, options) ?? unsupported(type),
  encoder: (type) => scalarEncoder(type) ?? unsupported(type),
};

const MODEL_FORM: DecodeOptions = { modelForm: true };

/** How a field is checked inline: a scalar whose valid values pass as they are, or by its built decoder (OTHER). */
const OTHER = 0;
const INT = 1;
const NUMBER = 2;
const STRING = 3;
const BOOL = 4;
const ANY = 5;

function inlineKind(type: TypeDesc): number {
  switch (type) {
    case 'float32':
    case 'float64':
      return NUMBER;
    case 'string':
      return STRING;
    case 'bool':
      return BOOL;
    case 'any':
      return ANY;
  }
  return numberRange(type) === undefined ? OTHER : INT;
}

/** A value that passes as it is; anything else (including what a decoder converts) goes to the field's decoder. */
function passes(kind: number, item: unknown, min: number, max: number): boolean {
  switch (kind) {
    case INT:
      return typeof item === 'number' && Number.isInteger(item) && item >= min && item <= max;
    case NUMBER:
      return typeof item === 'number';
    case STRING:
      return typeof item === 'string';
    case BOOL:
      return typeof item === 'boolean';
    case ANY:
      return true;
    default:
      return false;
  }
}

/**
 * A decoder of a map of fields keyed by wire names (a struct's fields, a
 * call's value params) into an object keyed by TS names: required keys
 * checked, defaults applied (decoded afresh each time: they may be lists),
 * `null` for an optional field read as absent, unknown keys dropped (or
 * refused when `strict`). `name` names the expected value in the refusal of
 * a non-object; `tag` is a key that is always known (a union's `$type`).
 */
export function fieldsDecoder(fields: readonly FieldDesc[], codec: ValueCodec, types: TypeTable, options: DecodeOptions, name: string, tag?: string): Decode {
  const count = fields.length;
  const names = fields.map((field) => field.name);
  const steps = names.map((n) => `.${n}`);
  const keys = fields.map(tsKey);
  const optional = fields.map((field) => field.optional === true);
  const kinds = fields.map((field) => inlineKind(field.type));
  const bounds = fields.map((field) => numberRange(field.type) ?? [0, 0]);
  const mins = bounds.map((range) => range[0]);
  const maxs = bounds.map((range) => range[1]);
  const checks = fields.map((field) => codec.decoder(field.type, types, options));
  const defaults = fields.map((field) => {
    if (field.default === undefined) return undefined;
    let decode: Decode | undefined;
    return () => (decode ??= codec.decoder(field.type, types, MODEL_FORM))(field.default);
  });
  const strict = options.strict === true;
  const known = new Set(tag === undefined ? names : [...names, tag]);
  /**
   * The decoded value may be the wire object itself (the decoder made it
   * and nobody else holds it) when no field is renamed and none can be read
   * from Object.prototype: a value holding exactly the fields, all present
   * and passing as they are, then costs no new object.
   */
  const inPlace = count > 0 && fields.every((field, k) => keys[k] === field.name && !(field.name in Object.prototype));
  /** A field's own decoder, its refusal one step below the map. */
  const decodeField = (k: number, item: unknown): unknown => {
    try {
      return checks[k]!(item);
    } catch (error) {
      return below(error, steps[k]!);
    }
  };
  /** A new object keyed by TS names, or the map's own refusal (a missing or an unknown key, at its own path). */
  const build = (value: Record<string, unknown>): Record<string, unknown> => {
    const result: Record<string, unknown> = {};
    for (let k = 0; k < count; k++) {
      const key = names[k]!;
      const item = Object.hasOwn(value, key) ? value[key] : undefined;
      if (item === undefined || (item === null && optional[k])) {
        const fallback = defaults[k];
        if (fallback !== undefined) result[keys[k]!] = decodeDefault(k, fallback);
        else if (!optional[k]) refuse('missing required', key);
        continue;
      }
      result[keys[k]!] = passes(kinds[k]!, item, mins[k]!, maxs[k]!) ? item : decodeField(k, item);
    }
    if (strict) for (const key of Object.keys(value)) if (!known.has(key)) refuse('unknown', key);
    return result;
  };
  const decodeDefault = (k: number, fallback: () => unknown): unknown => {
    try {
      return fallback();
    } catch (error) {
      return below(error, steps[k]!);
    }
  };
  return (value) => {
    if (!isPlainObject(value)) return expected(name, value);
    if (inPlace) {
      // No try here: the common value (every field present and passing as it is) pays for none.
      let k = 0;
      for (; k < count; k++) {
        const item = value[names[k]!];
        if (item === undefined || item === null) break;
        const kind = kinds[k]!;
        if (kind !== OTHER ? !passes(kind, item, mins[k]!, maxs[k]!) : decodeField(k, item) !== item) break;
      }
      if (k === count) {
        let own = 0;
        for (const _ in value) own++;
        // Unknown keys are dropped (or refused): that takes a new object.
        if (own === count) return value;
      }
    }
    return build(value);
  };
}

/**
 * An encoder of an object keyed by TS names into a wire map keyed by wire
 * names; absent stays absent (the receiver applies the default itself). No
 * object at all (a call without args) is an empty map.
 */
export function fieldsEncoder(fields: readonly FieldDesc[], codec: ValueCodec, types: TypeTable): (value: unknown) => Record<string, unknown> {
  const count = fields.length;
  const names = fields.map((field) => field.name);
  const keys = fields.map(tsKey);
  const encoders = fields.map((field) => codec.encoder(field.type, types));
  // Scalar fields travel as they are: no call per field.
  const plain = encoders.map(isIdentity);
  return (value) => {
    const record = (value ?? {}) as Record<string, unknown>;
    const result: Record<string, unknown> = {};
    for (let k = 0; k < count; k++) {
      const item = record[keys[k]!];
      if (item !== undefined) result[names[k]!] = plain[k] ? item : encoders[k]!(item);
    }
    return result;
  };
}
