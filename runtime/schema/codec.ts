/**
 * Converts values between their wire form and their TypeScript form, driven
 * by descriptors, validating what arrives.
 *
 * - `decode` (wire → TS) checks every rule of IDL.md "Types": a wrong type,
 *   a non-integer or out-of-range integer, a missing required field or an
 *   unknown enum value throws `SparrowError('invalid-params')` naming the
 *   path; defaults are applied for absent fields; unknown fields are dropped
 *   (rejected when `strict`); struct keys are renamed to their TS names;
 *   int64/uint64 become `bigint`; maps become `Map`s with typed keys.
 * - `encode` (TS → wire) renames keys back, turns `Map`s into string-keyed
 *   objects, marks integral floats to be written as floats (`WireFloat`)
 *   and leaves absent fields absent. It trusts the static types and
 *   does not validate: the receiving side does.
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import { floatOnWire, isPlainObject } from '../values.ts';
import { INT_RANGES as SHARED_INT_RANGES } from './int-ranges.ts';
import { tsKey, type DeclDesc, type FieldDesc, type StructDesc, type TypeDesc, type TypeTable } from './descriptor.ts';

/** Options of {@link decodeValue}. */
export interface DecodeOptions {
  /** Reject unknown struct fields and params instead of ignoring them. */
  readonly strict?: boolean;
  /** Accept int64 as decimal strings (the model's JSON form of defaults and constants). */
  readonly modelForm?: boolean;
}

interface IntRange {
  readonly min: number | bigint;
  readonly max: number | bigint;
  readonly big: boolean;
}

/** The shared table (int-ranges.ts), with number bounds where they fit: a number is compared with numbers. */
const INT_RANGES: Readonly<Record<string, IntRange>> = Object.fromEntries(
  Object.entries(SHARED_INT_RANGES).map(([name, range]) => [name, range.big ? range : { min: Number(range.min), max: Number(range.max), big: false }]),
);

/** The `invalid-params` error for a value at `path`. */
export function invalid(path: string, message: string): SparrowError {
  return new SparrowError(ErrorCode.InvalidParams, path === '' ? message : `${path}: ${message}`);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'number' && !Number.isInteger(value)) return `number ${value}`;
  if (typeof value === 'number' || typeof value === 'bigint') return `integer ${value}`;
  return typeof value;
}

function lookup(types: TypeTable, name: string, path: string): DeclDesc {
  const decl = types[name];
  if (decl === undefined) throw new SparrowError(ErrorCode.InvalidState, `${path}: descriptor names unknown type ${name}`);
  return decl;
}

function decodeInt(name: string, range: IntRange, value: unknown, path: string, options: DecodeOptions): number | bigint {
  let big: bigint;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw invalid(path, `expected ${name}, got ${describeValue(value)}`);
    if (!range.big) {
      if (value < (range.min as number) || value > (range.max as number)) throw invalid(path, `${value} is out of range for ${name}`);
      return value;
    }
    // A number beyond 2^53 has already lost digits: refuse it rather than guess.
    if (!Number.isSafeInteger(value)) throw invalid(path, `${value} is not an exact integer`);
    big = BigInt(value);
  } else if (typeof value === 'bigint') {
    big = value;
  } else if (options.modelForm === true && typeof value === 'string' && /^-?\d+$/.test(value)) {
    big = BigInt(value);
  } else {
    throw invalid(path, `expected ${name}, got ${describeValue(value)}`);
  }
  if (big < BigInt(range.min) || big > BigInt(range.max)) throw invalid(path, `${big} is out of range for ${name}`);
  return range.big ? big : Number(big);
}

/** Decodes and validates a wire value of `type`. @throws SparrowError `invalid-params`. */
export function decodeValue(type: TypeDesc, value: unknown, types: TypeTable, path = '', options: DecodeOptions = {}): unknown {
  if (typeof type === 'string') {
    switch (type) {
      case 'bool':
        if (typeof value !== 'boolean') throw invalid(path, `expected bool, got ${describeValue(value)}`);
        return value;
      case 'float32':
      case 'float64':
        if (typeof value === 'bigint') return Number(value);
        if (typeof value !== 'number') throw invalid(path, `expected ${type}, got ${describeValue(value)}`);
        return value;
      case 'string':
        if (typeof value !== 'string') throw invalid(path, `expected string, got ${describeValue(value)}`);
        return value;
      case 'bytes':
        if (!(value instanceof Uint8Array)) throw invalid(path, `expected bytes, got ${describeValue(value)}`);
        return value;
      case 'any':
        return value;
      case 'void':
        return undefined;
      default: {
        const range = INT_RANGES[type];
        if (range !== undefined) return decodeInt(type, range, value, path, options);
        return decodeDeclared(lookup(types, type, path), value, types, path, options);
      }
    }
  }
  switch (type[0]) {
    case 'list': {
      if (!Array.isArray(value)) throw invalid(path, `expected list, got ${describeValue(value)}`);
      const element = type[1];
      return value.map((item: unknown, index) => decodeValue(element, item, types, `${path}[${index}]`, options));
    }
    case 'tuple': {
      const elements = type.slice(1) as TypeDesc[];
      if (!Array.isArray(value) || value.length !== elements.length) {
        throw invalid(path, `expected a tuple of ${elements.length}, got ${Array.isArray(value) ? `${value.length} items` : describeValue(value)}`);
      }
      return elements.map((element, index) => decodeValue(element, value[index], types, `${path}[${index}]`, options));
    }
    case 'map': {
      const keyType = type[1];
      const valueType = type[2];
      const entries: Iterable<[unknown, unknown]> = value instanceof Map ? value : isPlainObject(value) ? Object.entries(value) : invalidMap(path, value);
      const result = new Map<unknown, unknown>();
      for (const [key, item] of entries) {
        const keyPath = `${path}[${JSON.stringify(String(key))}]`;
        result.set(decodeKey(keyType, key, keyPath), decodeValue(valueType, item, types, keyPath, options));
      }
      return result;
    }
  }
  throw new SparrowError(ErrorCode.InvalidState, `${path}: unknown type descriptor`);
}

function invalidMap(path: string, value: unknown): never {
  throw invalid(path, `expected map, got ${describeValue(value)}`);
}

/** Map keys travel as strings; integer keys as decimal strings parsed back here. */
function decodeKey(keyType: TypeDesc, key: unknown, path: string): unknown {
  if (keyType === 'string') {
    if (typeof key !== 'string') throw invalid(path, 'expected a string key');
    return key;
  }
  const range = typeof keyType === 'string' ? INT_RANGES[keyType] : undefined;
  if (range === undefined) throw invalid(path, 'unsupported map key type');
  if (typeof key === 'string') {
    if (!/^-?\d+$/.test(key)) throw invalid(path, `map key ${JSON.stringify(key)} is not a decimal integer`);
    return decodeInt(keyType as string, range, BigInt(key), path, {});
  }
  return decodeInt(keyType as string, range, key, path, {});
}

function decodeDeclared(decl: DeclDesc, value: unknown, types: TypeTable, path: string, options: DecodeOptions): unknown {
  switch (decl.kind) {
    case 'enum': {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid(path, `expected ${decl.name}, got ${describeValue(value)}`);
      if (!Object.values(decl.values).includes(value)) throw invalid(path, `${value} is not a value of enum ${decl.name}`);
      return value;
    }
    case 'union': {
      if (!isPlainObject(value)) throw invalid(path, `expected ${decl.name}, got ${describeValue(value)}`);
      const tag = value['$type'];
      const variant = typeof tag === 'string' && Object.hasOwn(decl.variants, tag) ? decl.variants[tag] : undefined;
      if (variant === undefined) throw invalid(path, `unknown $type ${JSON.stringify(tag)} for union ${decl.name}`);
      const struct = lookup(types, variant, path) as StructDesc;
      const result = decodeFields(struct.fields, value, types, path, options, true);
      return { $type: tag, ...result };
    }
    case 'struct':
    case 'error':
      if (!isPlainObject(value)) throw invalid(path, `expected ${decl.name}, got ${describeValue(value)}`);
      return decodeFields(decl.fields, value, types, path, options, false);
  }
}

/**
 * Decodes a wire map of fields (a struct, or a call's params) into an object
 * keyed by TS names: required keys checked, defaults applied, `null` for an
 * optional field read as absent, unknown keys dropped (or refused when strict).
 */
export function decodeFields(
  fields: readonly FieldDesc[],
  value: Record<string, unknown>,
  types: TypeTable,
  path: string,
  options: DecodeOptions = {},
  union = false,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const field of fields) {
    const fieldPath = path === '' ? field.name : `${path}.${field.name}`;
    const item = Object.hasOwn(value, field.name) ? value[field.name] : undefined;
    if (item === undefined || (item === null && field.optional === true)) {
      if (field.default !== undefined) {
        result[tsKey(field)] = decodeValue(field.type, field.default, types, fieldPath, { modelForm: true });
      } else if (field.optional !== true) {
        throw invalid(path, `missing required ${path === '' ? 'param' : 'field'} ${field.name}`);
      }
      continue;
    }
    result[tsKey(field)] = decodeValue(field.type, item, types, fieldPath, options);
  }
  if (options.strict === true) {
    for (const key of Object.keys(value)) {
      if (union && key === '$type') continue;
      if (!fields.some((f) => f.name === key)) throw invalid(path, `unknown ${path === '' ? 'param' : 'field'} ${key}`);
    }
  }
  return result;
}

/** Converts a TS value of `type` to its wire form. Does not validate. */
export function encodeValue(type: TypeDesc, value: unknown, types: TypeTable): unknown {
  if (value === undefined || value === null) return value;
  if (typeof type === 'string') {
    if (INT_RANGES[type] !== undefined || type === 'bool' || type === 'string' || type === 'bytes' || type === 'any' || type === 'void') return value;
    // An integral float is written as a float, as the schema says (values.ts WireFloat).
    if (type === 'float32' || type === 'float64') return floatOnWire(value);
    const decl = types[type];
    if (decl === undefined || decl.kind === 'enum' || typeof value !== 'object') return value;
    if (decl.kind === 'union') {
      const tag = (value as { $type?: unknown }).$type;
      const variant = typeof tag === 'string' && Object.hasOwn(decl.variants, tag) ? decl.variants[tag] : undefined;
      const struct = variant === undefined ? undefined : types[variant];
      if (struct === undefined || struct.kind === 'enum' || struct.kind === 'union') return value;
      return { $type: tag, ...encodeFields(struct.fields, value as Record<string, unknown>, types) };
    }
    return encodeFields(decl.fields, value as Record<string, unknown>, types);
  }
  switch (type[0]) {
    case 'list': {
      if (!Array.isArray(value)) return value;
      const element = type[1];
      return value.map((item: unknown) => encodeValue(element, item, types));
    }
    case 'tuple': {
      if (!Array.isArray(value)) return value;
      return value.map((item: unknown, index) => encodeValue(type[index + 1] ?? 'any', item, types));
    }
    case 'map': {
      const entries: Iterable<[unknown, unknown]> = value instanceof Map ? value : typeof value === 'object' ? Object.entries(value) : [];
      const pairs: [string, unknown][] = [];
      for (const [key, item] of entries) pairs.push([String(key), encodeValue(type[2], item, types)]);
      // fromEntries defines own properties, so a "__proto__" key stays a key.
      return Object.fromEntries(pairs);
    }
  }
  return value;
}

/** Converts an object keyed by TS names to a wire map keyed by wire names. */
export function encodeFields(fields: readonly FieldDesc[], value: Record<string, unknown>, types: TypeTable): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const field of fields) {
    const item = value[tsKey(field)];
    // Absent stays absent: the receiver applies the default itself.
    if (item === undefined) continue;
    result[field.name] = encodeValue(field.type, item, types);
  }
  return result;
}

/** A default or constant from the model's JSON form, as its TS value. */
export function modelValue(type: TypeDesc, value: unknown, types: TypeTable): unknown {
  return decodeValue(type, value, types, '', { modelForm: true });
}
