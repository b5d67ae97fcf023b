/**
 * Callback and stream params in the service glue (`callbackGlue`): the
 * caller's functions and iterables wrapped for the wire, and the callee's
 * proxies and iterables with their values decoded.
 */
import type { Params } from '../envelope/message.ts';
import { callbacksFeature } from '../rpc/callbacks.ts';
import { isIterable } from '../values.ts';
import { fieldsEncoder, invalid, rooted, type DecodeOptions, type ValueCodec } from './codec-core.ts';
import { fieldsDecoder } from './codec-fields.ts';
import type { CallbackGlue } from './definition.ts';
import { tsKey, type ParamDesc, type TypeTable } from './descriptor.ts';
import { valueArgsDecoder } from './service-params.ts';

function isFunction(value: unknown): value is (...args: never[]) => unknown {
  return typeof value === 'function';
}

async function* mapAsync<T, U>(source: AsyncIterable<T> | Iterable<T>, map: (item: T) => U): AsyncGenerator<U, undefined, undefined> {
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

/** The callback params part of the service glue; generated code passes it when a member has a callback or stream param. */
export const callbackGlue: CallbackGlue = {
  feature: callbacksFeature,
  argsEncoder,
  argsDecoder,
};

/** The caller's wire params: values encoded, callbacks wrapped (their args decoded, their answer encoded), iterables mapped. */
function argsEncoder(params: readonly ParamDesc[], codec: ValueCodec, types: TypeTable): (args: Record<string, unknown> | undefined) => Params {
  const wrappers = params.map((param): ((value: unknown) => unknown) => {
    if (param.kind === 'stream') {
      const encode = codec.encoder(param.type, types);
      return (value) => (isIterable(value) ? mapIterable(value, encode) : value);
    }
    if (param.kind === 'callback') {
      const decode = rooted(fieldsDecoder(param.params ?? [], codec, types, {}, 'params'));
      const result = param.result ?? 'void';
      const encode = result === 'void' ? undefined : codec.encoder(result, types);
      return (value) =>
        isFunction(value)
          ? async (cbArgs?: Params) => {
              const answer: unknown = await (value as (a: unknown) => unknown)(decode(cbArgs ?? {}));
              return encode === undefined ? undefined : encode(answer);
            }
          : value;
    }
    return codec.encoder(param.type, types);
  });
  return (args) => {
    const wire: Params = {};
    if (args === undefined) return wire;
    params.forEach((param, k) => {
      const value = args[tsKey(param)];
      if (value !== undefined) wire[param.name] = wrappers[k]!(value);
    });
    return wire;
  };
}

/** The callee's args: value params validated, iterables and callbacks wrapped (what they carry decoded when `validate`). */
function argsDecoder(member: { readonly params: readonly ParamDesc[] }, codec: ValueCodec, types: TypeTable, options: DecodeOptions, validate: boolean): (params: Params) => Record<string, unknown> {
  const values = member.params.filter((param) => param.kind === undefined);
  // Unknown params are checked against every param below, callbacks included.
  const decodeValues = valueArgsDecoder(values, codec, types, options.strict === true ? { ...options, strict: false } : options, validate);
  const unwrap = member.params.map((param): ((value: unknown) => unknown) | undefined => {
    if (param.kind === undefined) return undefined;
    if (param.kind === 'stream') {
      const decode = rooted(codec.decoder(param.type, types, options), `${param.name}[]`);
      return (value) => {
        if (!isIterable(value)) throw invalid(param.name, 'expected an iterable param');
        return validate ? mapAsync(value, decode) : value;
      };
    }
    const encode = fieldsEncoder(param.params ?? [], codec, types);
    const result = param.result ?? 'void';
    const decode = result === 'void' || !validate ? undefined : rooted(codec.decoder(result, types, options), `${param.name}()`);
    return (value) => {
      if (!isFunction(value)) throw invalid(param.name, 'expected a callback param');
      return (cbArgs?: Record<string, unknown>): unknown => {
        const answer = (value as (p: Params) => unknown)(encode(cbArgs ?? {}));
        if (result === 'void') return undefined;
        return (answer as Promise<unknown>).then((v) => (decode === undefined ? v : decode(v)));
      };
    };
  });
  const names = new Set(member.params.map((param) => param.name));
  return (params) => {
    const args: Record<string, unknown> = {};
    member.params.forEach((param, k) => {
      const wrap = unwrap[k];
      if (wrap === undefined) return;
      const value = params[param.name];
      if (value === undefined || value === null) {
        if (param.optional !== true) throw invalid('', `missing required param ${param.name}`);
        return;
      }
      args[tsKey(param)] = wrap(value);
    });
    Object.assign(args, decodeValues(params));
    if (validate && options.strict === true) {
      for (const name of Object.keys(params)) if (!names.has(name)) throw invalid('', `unknown param ${name}`);
    }
    return args;
  };
}
