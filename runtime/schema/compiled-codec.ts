/**
 * The one value codec: decoders and encoders built once per type, for
 * every type of the IDL ("Types"). codec-core.ts, codec-scalars.ts and
 * codec-fields.ts hold the scalars, maps of fields and how a refusal gets
 * its path; this file adds lists, tuples, maps, enums, structs, unions,
 * errors and int64. Generated code passes
 * `valueCodec` only when its schema has such types.
 *
 * Decoding checks every rule: a wrong type, a non-integer or out-of-range
 * integer, a missing required field or an unknown enum value is refused
 * with its path; defaults are applied; unknown fields are dropped (refused
 * when `strict`); struct keys become TS names; int64/uint64 become
 * `bigint`; maps become `Map`s with typed keys (integer keys travel as
 * decimal strings). Encoding renames keys back, turns `Map`s into
 * string-keyed objects, marks integral floats to be written as floats
 * (`WireFloat`) and leaves absent fields absent; it trusts the static types
 * and does not validate (the receiver does).
 */
import { isPlainObject } from '../values.ts';
import { below, describeValue, expected, fieldsEncoder, isIdentity, descriptorError, refuse, refusalError, rooted, type Decode, type DecodeOptions, type Encode, type ValueCodec } from './codec-core.ts';
import { fieldsDecoder } from './codec-fields.ts';
import { DECIMAL, decodeNumberInteger, numberRange, scalarDecoder, scalarEncoder } from './codec-scalars.ts';
import { INT_RANGES } from './int-ranges.ts';
import { type FieldDesc, type StructDesc, type TypeDesc, type TypeTable } from './descriptor.ts';

/** Decoders of named types per type table and options (strict, modelForm): built once, shared. */
const DECODERS = new WeakMap<TypeTable, Map<string, Decode>[]>();
const ENCODERS = new WeakMap<TypeTable, Map<string, Encode>>();

function optionsIndex(options: DecodeOptions): number {
  return (options.strict === true ? 1 : 0) + (options.modelForm === true ? 2 : 0);
}

function namedDecoders(types: TypeTable, options: DecodeOptions): Map<string, Decode> {
  let all = DECODERS.get(types);
  if (all === undefined) {
    all = [new Map(), new Map(), new Map(), new Map()];
    DECODERS.set(types, all);
  }
  return all[optionsIndex(options)]!;
}

const identity: Encode = (value) => value;

/** The codec of every IDL type. */
export const valueCodec: ValueCodec = {
  decoder: buildDecoder,
  encoder: buildEncoder,
};

/**
 * Checks an int64 or uint64 within [min, max] and gives it as a bigint;
 * a number must be a safe integer, a decimal string is one in the model's
 * JSON form (`modelForm`).
 */
function decodeBigInteger(name: string, min: bigint, max: bigint, value: unknown, modelForm: boolean): bigint {
  let n: bigint;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) expected(name, value);
    // A number beyond 2^53 has already lost digits: refuse it rather than guess.
    if (!Number.isSafeInteger(value)) refuse(`${value} is not an exact integer`);
    n = BigInt(value);
  } else if (typeof value === 'bigint') {
    n = value;
  } else if (modelForm && typeof value === 'string' && DECIMAL.test(value)) {
    n = BigInt(value);
  } else {
    return expected(name, value);
  }
  return n < min || n > max ? refuse(`${n} is out of range for ${name}`) : n;
}

/** The decoder of int64 or uint64, or undefined for another type. */
function bigIntegerDecoder(type: TypeDesc, modelForm: boolean): Decode | undefined {
  if (type !== 'int64' && type !== 'uint64') return undefined;
  const { min, max } = INT_RANGES[type];
  return (value) => decodeBigInteger(type, min, max, value, modelForm);
}

function buildDecoder(type: TypeDesc, types: TypeTable, options: DecodeOptions): Decode {
  const scalar = scalarDecoder(type, options) ?? bigIntegerDecoder(type, options.modelForm === true);
  if (scalar !== undefined) return scalar;
  if (typeof type !== 'string') return compositeDecoder(type, types, options);
  const built = namedDecoders(types, options);
  const known = built.get(type);
  if (known !== undefined) return known;
  // A recursive type refers to itself through this until it is built.
  let decode: Decode | undefined;
  built.set(type, (value) => decode!(value));
  decode = declaredDecoder(type, types, options);
  built.set(type, decode);
  return decode;
}

function declaredDecoder(type: string, types: TypeTable, options: DecodeOptions): Decode {
  const decl = types[type];
  if (decl === undefined) {
    return () => descriptorError(`descriptor names unknown type ${type}`);
  }
  switch (decl.kind) {
    case 'enum': {
      const values = new Set(Object.values(decl.values));
      return (value) => {
        if (typeof value !== 'number' || !Number.isInteger(value)) return expected(decl.name, value);
        return values.has(value) ? value : refuse(`${value} is not a value of enum ${decl.name}`);
      };
    }
    case 'union': {
      const variants = new Map<string, Decode>();
      const variant = (tag: string): Decode => {
        let decode = variants.get(tag);
        if (decode === undefined) {
          const struct = types[decl.variants[tag]!];
          decode = struct === undefined ? declaredDecoder(decl.variants[tag]!, types, options) : fieldsDecoder((struct as StructDesc).fields, valueCodec, types, options, decl.name, '$type');
          variants.set(tag, decode);
        }
        return decode;
      };
      return (value) => {
        if (!isPlainObject(value)) return expected(decl.name, value);
        const tag = value['$type'];
        if (typeof tag !== 'string' || !Object.hasOwn(decl.variants, tag)) refuse(`unknown $type ${JSON.stringify(tag)} for union ${decl.name}`);
        return { $type: tag, ...(variant(tag)(value) as Record<string, unknown>) };
      };
    }
    case 'struct':
    case 'error':
      return fieldsDecoder(decl.fields, valueCodec, types, options, decl.name);
  }
}

function compositeDecoder(type: Exclude<TypeDesc, string>, types: TypeTable, options: DecodeOptions): Decode {
  switch (type[0]) {
    case 'list': {
      const element = buildDecoder(type[1], types, options);
      return (value) => {
        if (!Array.isArray(value)) return expected('list', value);
        const out = new Array<unknown>(value.length);
        let k = 0;
        try {
          for (; k < value.length; k++) out[k] = element(value[k]);
        } catch (error) {
          below(error, `[${k}]`);
        }
        return out;
      };
    }
    case 'tuple': {
      const elements = (type.slice(1) as TypeDesc[]).map((element) => buildDecoder(element, types, options));
      const count = elements.length;
      return (value) => {
        if (!Array.isArray(value) || value.length !== count) refuse(`expected a tuple of ${count}, got ${Array.isArray(value) ? `${value.length} items` : describeValue(value)}`);
        const out = new Array<unknown>(count);
        let k = 0;
        try {
          for (; k < count; k++) out[k] = elements[k]!(value[k]);
        } catch (error) {
          below(error, `[${k}]`);
        }
        return out;
      };
    }
    case 'map': {
      const key = keyDecoder(type[1]);
      const item = buildDecoder(type[2], types, options);
      return (value) => {
        const entries: Iterable<[unknown, unknown]> = value instanceof Map ? value : isPlainObject(value) ? Object.entries(value) : expected('map', value);
        const result = new Map<unknown, unknown>();
        for (const [k, v] of entries) {
          try {
            result.set(key(k), item(v));
          } catch (error) {
            below(error, `[${JSON.stringify(String(k))}]`);
          }
        }
        return result;
      };
    }
  }
  return () => descriptorError('unknown type descriptor');
}

/** Map keys travel as strings; integer keys as decimal strings parsed back here. */
function keyDecoder(keyType: TypeDesc): Decode {
  if (keyType === 'string') return (key) => (typeof key === 'string' ? key : refuse('expected a string key'));
  const small = numberRange(keyType);
  const integer = small === undefined ? bigIntegerDecoder(keyType, false) : (key: unknown) => decodeNumberInteger(keyType as string, small[0], small[1], key, false);
  if (integer === undefined) return () => refuse('unsupported map key type');
  return (key) => {
    if (typeof key !== 'string') return integer(key);
    if (!DECIMAL.test(key)) refuse(`map key ${JSON.stringify(key)} is not a decimal integer`);
    return integer(BigInt(key));
  };
}

function buildEncoder(type: TypeDesc, types: TypeTable): Encode {
  const scalar = type === 'int64' || type === 'uint64' ? identity : scalarEncoder(type);
  if (scalar !== undefined) return scalar;
  if (typeof type !== 'string') return compositeEncoder(type, types);
  let built = ENCODERS.get(types);
  if (built === undefined) {
    built = new Map();
    ENCODERS.set(types, built);
  }
  const known = built.get(type);
  if (known !== undefined) return known;
  let encode: Encode | undefined;
  built.set(type, (value) => encode!(value));
  encode = declaredEncoder(type, types);
  built.set(type, encode);
  return encode;
}

function declaredEncoder(type: string, types: TypeTable): Encode {
  const decl = types[type];
  // Enums and unknown names travel as they are.
  if (decl === undefined || decl.kind === 'enum') return identity;
  if (decl.kind !== 'union') {
    const fields = fieldsEncoder(decl.fields, valueCodec, types);
    return (value) => (value === undefined || value === null || typeof value !== 'object' ? value : fields(value));
  }
  const variants = new Map<string, Encode | null>();
  const variant = (tag: string): Encode | null => {
    let encode = variants.get(tag);
    if (encode === undefined) {
      const struct = types[decl.variants[tag]!];
      encode = struct === undefined || struct.kind === 'enum' || struct.kind === 'union' ? null : fieldsEncoder(struct.fields, valueCodec, types);
      variants.set(tag, encode);
    }
    return encode;
  };
  return (value) => {
    if (value === undefined || value === null || typeof value !== 'object') return value;
    const tag = (value as { $type?: unknown }).$type;
    const encode = typeof tag === 'string' && Object.hasOwn(decl.variants, tag) ? variant(tag) : null;
    return encode === null ? value : { $type: tag, ...(encode(value) as Record<string, unknown>) };
  };
}

function compositeEncoder(type: Exclude<TypeDesc, string>, types: TypeTable): Encode {
  switch (type[0]) {
    case 'list': {
      const element = buildEncoder(type[1], types);
      // Items that travel as they are: the list too (the serialiser only reads it).
      if (isIdentity(element)) return identity;
      return (value) => (Array.isArray(value) ? value.map((item: unknown) => element(item)) : value);
    }
    case 'tuple': {
      const elements = (type.slice(1) as TypeDesc[]).map((element) => buildEncoder(element, types));
      return (value) => (Array.isArray(value) ? value.map((item: unknown, k) => (elements[k] === undefined ? item : elements[k](item))) : value);
    }
    case 'map': {
      const item = buildEncoder(type[2], types);
      return (value) => {
        if (value === undefined || value === null) return value;
        const entries: Iterable<[unknown, unknown]> = value instanceof Map ? value : typeof value === 'object' ? Object.entries(value) : [];
        const pairs: [string, unknown][] = [];
        for (const [k, v] of entries) pairs.push([String(k), item(v)]);
        // fromEntries defines own properties, so a "__proto__" key stays a key.
        return Object.fromEntries(pairs);
      };
    }
  }
  return identity;
}

/**
 * A decoder of `type`, with the path of its errors under the `path` given
 * to it (`'result'`, `'count[]'`).
 * @throws SparrowError `invalid-params` naming the refused value's path.
 */
export function createDecoder(type: TypeDesc, types: TypeTable, options: DecodeOptions = {}): (value: unknown, path?: string) => unknown {
  const decode = buildDecoder(type, types, options);
  return (value, path = '') => {
    try {
      return decode(value);
    } catch (error) {
      throw refusalError(error, path);
    }
  };
}

/**
 * A decoder of a map of fields (a call's value params).
 * @throws SparrowError `invalid-params`: `missing required param x`, `x.y: expected int32, got string`.
 */
export function createFieldsDecoder(fields: readonly FieldDesc[], types: TypeTable, options: DecodeOptions = {}): (value: Record<string, unknown>) => Record<string, unknown> {
  return rooted(fieldsDecoder(fields, valueCodec, types, options, 'params')) as (value: Record<string, unknown>) => Record<string, unknown>;
}

/** An encoder of `type`: renames keys, converts maps, marks integral floats. Does not validate. */
export function createEncoder(type: TypeDesc, types: TypeTable): (value: unknown) => unknown {
  const encode = buildEncoder(type, types);
  return (value) => (value === undefined || value === null ? value : encode(value));
}
