/**
 * The decoder of maps of fields (a call's value params, a struct's fields):
 * what a callee (and a decoded struct or error) needs, a caller of scalar
 * results never.
 */
import { isPlainObject } from '../values.ts';
import { Refusal, below, expected, type Decode, type DecodeOptions, type ValueCodec } from './codec-core.ts';
import { numberRange } from './codec-scalars.ts';
import { tsKey, type FieldDesc, type TypeDesc, type TypeTable } from './descriptor.ts';

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

/** Refuses a missing or unknown key: the message names a `param` at the root, a `field` below. */
function refuseKey(message: string, key: string): never {
  const refusal = new Refusal(message);
  refusal.at = (path) => `${message} ${path === '' ? 'param' : 'field'} ${key}`;
  throw refusal;
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
        else if (!optional[k]) refuseKey('missing required', key);
        continue;
      }
      result[keys[k]!] = passes(kinds[k]!, item, mins[k]!, maxs[k]!) ? item : decodeField(k, item);
    }
    if (strict) for (const key of Object.keys(value)) if (!known.has(key)) refuseKey('unknown', key);
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
