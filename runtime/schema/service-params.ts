/**
 * Params between generated code and the wire: the caller's TS args become
 * wire params (values encoded, iterables mapped, callbacks wrapped), and
 * the callee's wire params become the implementation's args (validated).
 */
import type { Params } from '../envelope/message.ts';
import { isIterable } from '../rpc/guards.ts';
import type { ParamKind } from '../rpc/types.ts';
import { decodeFields, decodeValue, encodeFields, encodeValue, invalid, type DecodeOptions } from './codec.ts';
import { createEncoder, createFieldsDecoder } from './compiled-codec.ts';
import { tsKey, type CallDesc, type FieldDesc, type ParamDesc, type TypeTable } from './descriptor.ts';

export function isFunction(value: unknown): value is (...args: never[]) => unknown {
  return typeof value === 'function';
}

export async function* mapAsync<T, U>(source: AsyncIterable<T> | Iterable<T>, map: (item: T) => U): AsyncGenerator<U, undefined, undefined> {
  for await (const item of source) yield map(item);
  return undefined;
}

function* mapSync<T, U>(source: Iterable<T>, map: (item: T) => U): Generator<U, undefined, undefined> {
  for (const item of source) yield map(item);
  return undefined;
}

function mapIterable<T, U>(source: AsyncIterable<T> | Iterable<T>, map: (item: T) => U): AsyncIterable<U> | Iterable<U> {
  return Symbol.asyncIterator in source ? mapAsync(source, map) : mapSync(source as Iterable<T>, map);
}

/** The wire params of a call from TS args, with callbacks and iterables wrapped. */
export function encodeArgs(params: readonly ParamDesc[], args: Record<string, unknown> | undefined, types: TypeTable, kinds: Record<string, ParamKind>): Params {
  const wire: Params = {};
  if (args === undefined) return wire;
  for (const param of params) {
    const value = args[tsKey(param)];
    if (value === undefined) continue;
    if (param.kind === 'stream') {
      kinds[param.name] = 'iterable';
      wire[param.name] = isIterable(value) ? mapIterable(value, (item) => encodeValue(param.type, item, types)) : value;
    } else if (param.kind === 'callback') {
      kinds[param.name] = 'callback';
      const fields = param.params ?? [];
      const result = param.result ?? 'void';
      wire[param.name] = isFunction(value)
        ? async (cbArgs?: Params) => {
            const decoded = decodeFields(fields, cbArgs ?? {}, types, '');
            const answer: unknown = await (value as (a: unknown) => unknown)(decoded);
            return result === 'void' ? undefined : encodeValue(result, answer, types);
          }
        : value;
    } else {
      kinds[param.name] = 'value';
      wire[param.name] = encodeValue(param.type, value, types);
    }
  }
  return wire;
}

/**
 * encodeArgs for a member whose params are all plain values, built once:
 * the kinds are recorded now, and each param gets its built encoder.
 * Undefined when a param is a stream or a callback (encodeArgs then).
 */
export function valueArgsEncoder(params: readonly ParamDesc[], types: TypeTable, kinds: Record<string, ParamKind>): ((args: Record<string, unknown> | undefined) => Params) | undefined {
  if (params.some((param) => param.kind !== undefined)) return undefined;
  for (const param of params) kinds[param.name] = 'value';
  const names = params.map((param) => param.name);
  const keys = params.map((param) => tsKey(param));
  const encoders = params.map((param) => createEncoder(param.type, types));
  const count = params.length;
  return (args) => {
    const wire: Params = {};
    if (args === undefined) return wire;
    for (let k = 0; k < count; k++) {
      const value = args[keys[k]!];
      if (value !== undefined) wire[names[k]!] = encoders[k]!(value);
    }
    return wire;
  };
}

/** The value params of a member's params (computed once per member, not per call). */
const VALUE_FIELDS = new WeakMap<readonly ParamDesc[], FieldDesc[]>();

/** Built params decoders, per member's value fields (see decodeParams). */
const PARAMS_DECODERS = new WeakMap<readonly FieldDesc[], (value: Params) => Record<string, unknown>>();

/** Decodes a call's wire params for the implementation: values validated, streams and callbacks wrapped. */
export function decodeParams(member: CallDesc | { params: readonly ParamDesc[] }, params: Params, types: TypeTable, options: DecodeOptions, validate: boolean): Record<string, unknown> {
  let valueFields = VALUE_FIELDS.get(member.params);
  if (valueFields === undefined) {
    valueFields = member.params.filter((param) => param.kind === undefined);
    VALUE_FIELDS.set(member.params, valueFields);
  }
  if (validate && options.strict !== true && valueFields.length === member.params.length) {
    // Only plain values (the common case): their decoded fields are the args, by a decoder built once.
    let decode = PARAMS_DECODERS.get(valueFields);
    if (decode === undefined) {
      decode = createFieldsDecoder(valueFields, types, options);
      PARAMS_DECODERS.set(valueFields, decode);
    }
    return decode(params);
  }
  const args: Record<string, unknown> = {};
  for (const param of member.params) {
    if (param.kind === undefined) continue;
    const value = params[param.name];
    if (value === undefined || value === null) {
      if (param.optional !== true) throw invalid('', `missing required param ${param.name}`);
      continue;
    }
    if (param.kind === 'stream') {
      if (!isIterable(value)) throw invalid(param.name, 'expected an iterable param');
      args[tsKey(param)] = validate ? mapAsync(value, (item) => decodeValue(param.type, item, types, `${param.name}[]`, options)) : value;
    } else {
      if (!isFunction(value)) throw invalid(param.name, 'expected a callback param');
      const result = param.result ?? 'void';
      args[tsKey(param)] = (cbArgs?: Record<string, unknown>): unknown => {
        const answer = (value as (p: Params) => unknown)(encodeFields(param.params ?? [], cbArgs ?? {}, types));
        if (result === 'void') return undefined;
        return (answer as Promise<unknown>).then((v) => (validate ? decodeValue(result, v, types, `${param.name}()`, options) : v));
      };
    }
  }
  if (!validate) {
    for (const field of valueFields) if (Object.hasOwn(params, field.name)) args[tsKey(field)] = params[field.name];
    return args;
  }
  const known = options.strict === true ? { ...options, strict: false } : options;
  Object.assign(args, decodeFields(valueFields, params, types, '', known));
  if (options.strict === true) {
    for (const name of Object.keys(params)) if (!member.params.some((p) => p.name === name)) throw invalid('', `unknown param ${name}`);
  }
  return args;
}
