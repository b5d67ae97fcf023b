/**
 * Decoders and encoders built once per type, for the per-value paths
 * (stream items, results): the same values as `decodeValue` and
 * `encodeValue`, without walking the descriptor again or building a path
 * string for every field of every value (that was a third of a streaming
 * client's busy time).
 *
 * A built decoder checks what it knows (scalars, enums, structs, lists) and,
 * at the first thing it does not accept, hands the whole value to
 * `decodeValue`, which throws the precise error with its path: the two can
 * never disagree on what is valid or on what an error says.
 */
import { decodeFields, decodeValue, encodeValue, type DecodeOptions } from './codec.ts';
import { floatOnWire, isPlainObject } from '../values.ts';
import { INT_RANGES } from './int-ranges.ts';
import { tsKey, type FieldDesc, type TypeDesc, type TypeTable } from './descriptor.ts';

/** "Not accepted here: ask decodeValue." */
const SLOW = Symbol('slow');
type Check = (value: unknown) => unknown;

const identity = (value: unknown): unknown => value;

/** The number-valued integer types (int-ranges.ts) as [min, max]: int64 and uint64 go through decodeValue. */
const INT_BOUNDS: Readonly<Record<string, readonly [number, number]>> = Object.fromEntries(
  Object.entries(INT_RANGES)
    .filter(([, range]) => !range.big)
    .map(([name, range]) => [name, [Number(range.min), Number(range.max)] as const]),
);

/**
 * A decoder equivalent to `decodeValue(type, value, types, path, options)`.
 * @throws SparrowError `invalid-params` (from decodeValue) for an invalid value.
 */
export function createDecoder(type: TypeDesc, types: TypeTable, options: DecodeOptions = {}): (value: unknown, path?: string) => unknown {
  if (options.strict === true || options.modelForm === true) {
    return (value, path = '') => decodeValue(type, value, types, path, options);
  }
  const check = compileCheck(type, types, new Map());
  return (value, path = '') => {
    const result = check(value);
    return result === SLOW ? decodeValue(type, value, types, path, options) : result;
  };
}

/**
 * A decoder of a map of fields (a call's value params) equivalent to
 * `decodeFields(fields, value, types, '', options)`: built once per member
 * instead of walking the descriptor for every call. Anything it does not
 * accept goes to decodeFields, which throws the precise error.
 * @throws SparrowError `invalid-params` (from decodeFields) for invalid params.
 */
export function createFieldsDecoder(fields: readonly FieldDesc[], types: TypeTable, options: DecodeOptions = {}): (value: Record<string, unknown>) => Record<string, unknown> {
  if (options.strict === true || options.modelForm === true) return (value) => decodeFields(fields, value, types, '', options);
  const check = compileFields(fields, types, new Map());
  return (value) => {
    const result = check(value);
    return result === SLOW ? decodeFields(fields, value, types, '', options) : (result as Record<string, unknown>);
  };
}

/** Anything not built here: decodeValue, with a failure read as SLOW (the outer call reruns it for the error). */
function viaDecodeValue(type: TypeDesc, types: TypeTable): Check {
  return (value) => {
    try {
      return decodeValue(type, value, types);
    } catch {
      return SLOW;
    }
  };
}

function compileCheck(type: TypeDesc, types: TypeTable, built: Map<string, Check>): Check {
  if (typeof type !== 'string') {
    if (type[0] !== 'list') return viaDecodeValue(type, types);
    const element = compileCheck(type[1], types, built);
    return (value) => {
      if (!Array.isArray(value)) return SLOW;
      const out = new Array<unknown>(value.length);
      for (let k = 0; k < value.length; k++) {
        const item = element(value[k]);
        if (item === SLOW) return SLOW;
        out[k] = item;
      }
      return out;
    };
  }
  switch (type) {
    case 'bool':
      return (value) => (typeof value === 'boolean' ? value : SLOW);
    case 'float32':
    case 'float64':
      return (value) => (typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : SLOW);
    case 'string':
      return (value) => (typeof value === 'string' ? value : SLOW);
    case 'bytes':
      return (value) => (value instanceof Uint8Array ? value : SLOW);
    case 'any':
      return identity;
    case 'void':
      return () => undefined;
  }
  const bounds = INT_BOUNDS[type];
  if (bounds !== undefined) {
    const [min, max] = bounds;
    return (value) => (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : SLOW);
  }
  const decl = types[type];
  if (decl === undefined || decl.kind === 'union') return viaDecodeValue(type, types);
  if (decl.kind === 'enum') {
    const values = new Set(Object.values(decl.values));
    return (value) => (typeof value === 'number' && values.has(value) ? value : SLOW);
  }
  const known = built.get(type);
  if (known !== undefined) return known;
  // A recursive struct refers to itself through this until it is built.
  let struct: Check | undefined;
  built.set(type, (value) => struct!(value));
  struct = compileFields(decl.fields, types, built);
  built.set(type, struct);
  return struct;
}

function compileFields(fields: readonly FieldDesc[], types: TypeTable, built: Map<string, Check>): Check {
  const count = fields.length;
  const names = fields.map((field) => field.name);
  const keys = fields.map((field) => tsKey(field));
  const optional = fields.map((field) => field.optional === true);
  const checks = fields.map((field) => compileCheck(field.type, types, built));
  // The common scalar fields are checked inline: no call per field.
  const kinds = fields.map((field) => scalarKind(field.type));
  const mins = fields.map((field) => (typeof field.type === 'string' ? (INT_BOUNDS[field.type]?.[0] ?? 0) : 0));
  const maxs = fields.map((field) => (typeof field.type === 'string' ? (INT_BOUNDS[field.type]?.[1] ?? 0) : 0));
  // A default is decoded afresh each time, as decodeFields does (it may be a list or map).
  const defaults = fields.map((field) => (field.default === undefined ? undefined : () => decodeValue(field.type, field.default, types, '', { modelForm: true })));
  /**
   * The decoded value may be the wire object itself (the decoder made it and
   * nobody else holds it) when no field is renamed and none can be read
   * from Object.prototype: then a value holding exactly the fields, all
   * present, costs no new object.
   */
  const inPlace = count > 0 && fields.every((field, k) => keys[k] === field.name && !(field.name in Object.prototype));
  return (value) => {
    if (!isPlainObject(value)) return SLOW;
    if (inPlace) {
      let complete = true;
      for (let k = 0; k < count; k++) {
        const name = names[k]!;
        const item = value[name];
        if (item === undefined || item === null) {
          complete = false;
          break;
        }
        const kind = kinds[k]!;
        if (kind !== K_OTHER) {
          if (!scalarOk(kind, item, mins[k]!, maxs[k]!)) return SLOW;
          continue;
        }
        const decoded = checks[k]!(item);
        if (decoded === SLOW) return SLOW;
        if (decoded !== item) {
          // A field that decodes to a new value (a list, a renamed struct): build, never mutate half-way.
          complete = false;
          break;
        }
      }
      if (complete) {
        let own = 0;
        for (const _ in value) own++;
        // Unknown keys are dropped, as decodeFields does: that takes a new object.
        if (own === count) return value;
      }
    }
    const result: Record<string, unknown> = {};
    for (let k = 0; k < count; k++) {
      const name = names[k]!;
      const item = Object.hasOwn(value, name) ? value[name] : undefined;
      if (item === undefined || (item === null && optional[k])) {
        const fallback = defaults[k];
        if (fallback !== undefined) result[keys[k]!] = fallback();
        else if (!optional[k]) return SLOW;
        continue;
      }
      const kind = kinds[k]!;
      if (kind !== K_OTHER) {
        if (!scalarOk(kind, item, mins[k]!, maxs[k]!)) return SLOW;
        result[keys[k]!] = item;
        continue;
      }
      const decoded = checks[k]!(item);
      if (decoded === SLOW) return SLOW;
      result[keys[k]!] = decoded;
    }
    return result;
  };
}

/** The inline check of a scalar field (`scalarKind`); a bigint float is left to decodeValue, which converts it. */
function scalarOk(kind: number, item: unknown, min: number, max: number): boolean {
  switch (kind) {
    case K_INT:
      return typeof item === 'number' && Number.isInteger(item) && item >= min && item <= max;
    case K_FLOAT:
      return typeof item === 'number';
    case K_STRING:
      return typeof item === 'string';
    case K_BOOL:
      return typeof item === 'boolean';
    default:
      return true;
  }
}

const K_OTHER = 0;
const K_INT = 1;
const K_FLOAT = 2;
const K_STRING = 3;
const K_BOOL = 4;
const K_ANY = 5;

/** How a struct field of `type` is checked inline (K_OTHER: by its built check). A bigint float takes the check (it converts). */
function scalarKind(type: TypeDesc): number {
  if (typeof type !== 'string') return K_OTHER;
  if (INT_BOUNDS[type] !== undefined) return K_INT;
  switch (type) {
    case 'float32':
    case 'float64':
      return K_FLOAT;
    case 'string':
      return K_STRING;
    case 'bool':
      return K_BOOL;
    case 'any':
      return K_ANY;
    default:
      return K_OTHER;
  }
}

type Encode = (value: unknown) => unknown;

/** An encoder equivalent to `encodeValue(type, value, types)`: does not validate. */
export function createEncoder(type: TypeDesc, types: TypeTable): (value: unknown) => unknown {
  return compileEncode(type, types, new Map());
}

function compileEncode(type: TypeDesc, types: TypeTable, built: Map<string, Encode>): Encode {
  if (typeof type !== 'string') {
    if (type[0] !== 'list') return (value) => encodeValue(type, value, types);
    const element = compileEncode(type[1], types, built);
    return (value) => (Array.isArray(value) ? value.map((item: unknown) => element(item)) : value);
  }
  // An integral float is written as a float, as the schema says (values.ts WireFloat).
  if (type === 'float32' || type === 'float64') return floatOnWire;
  const decl = types[type];
  // Other scalars, enums and unknown names travel as they are.
  if (decl === undefined || decl.kind === 'enum' || INT_BOUNDS[type] !== undefined) return identity;
  if (decl.kind === 'union') return (value) => encodeValue(type, value, types);
  const known = built.get(type);
  if (known !== undefined) return known;
  let struct: Encode | undefined;
  built.set(type, (value) => struct!(value));
  const fields = decl.fields;
  const count = fields.length;
  const names = fields.map((field) => field.name);
  const keys = fields.map((field) => tsKey(field));
  const encoders = fields.map((field) => compileEncode(field.type, types, built));
  // Scalar fields travel as they are: no call per field.
  const plain = encoders.map((encode) => encode === identity);
  struct = (value) => {
    if (value === undefined || value === null || typeof value !== 'object') return value;
    const record = value as Record<string, unknown>;
    const result: Record<string, unknown> = {};
    for (let k = 0; k < count; k++) {
      const item = record[keys[k]!];
      // Absent stays absent: the receiver applies the default itself.
      if (item !== undefined) result[names[k]!] = plain[k] ? item : encoders[k]!(item);
    }
    return result;
  };
  built.set(type, struct);
  return struct;
}
