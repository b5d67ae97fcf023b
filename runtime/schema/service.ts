/**
 * Service glue: typed clients over `Peer.call`/`callStream`/`notify`, and
 * registration of an implementation with validation, `@auth`, typed errors,
 * callbacks, iterable params, multipart results and topics — all driven by a
 * {@link ServiceDescriptor}, so generated code only declares types.
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import type { Params } from '../envelope/message.ts';
import { isIterable, isThenable } from '../rpc/guards.ts';
import { usePeerFeatures } from '../rpc/peer-core.ts';
import { attachServiceDescriptor } from '../rpc/registry.ts';
import type { CallbackStyle, CallContext, CallOptions, CallStream, ExportOptions, Handler, ParamKind, Peer, PeerFeature } from '../rpc/types.ts';
import { createTopic, type TopicOptions } from '../rpc/topic.ts';
import { decodeFields, decodeValue, encodeFields, encodeValue, invalid, type DecodeOptions } from './codec.ts';
import { createDecoder, createEncoder, createFieldsDecoder } from './compiled-codec.ts';
import { tsKey, type CallDesc, type FieldDesc, type MemberDesc, type ParamDesc, type ServiceDescriptor, type TopicDesc, type TypeTable } from './descriptor.ts';
import { SchemaError, type SchemaErrorClass } from './typed-error.ts';

/**
 * A service as generated code hands it to the glue: the JSON-able
 * descriptor plus the generated error classes (by qualified name). `C` and
 * `I` are the generated client and implementation types (phantom).
 */
export interface ServiceDefinition<C = unknown, I = unknown> {
  readonly descriptor: ServiceDescriptor;
  readonly errors: Readonly<Record<string, SchemaErrorClass>>;
  /**
   * The peer parts the service's members need (`streamsFeature` for stream
   * results and topics, `callbacksFeature` for callback and stream params):
   * generated code lists only what the schema uses, so a bundle carries
   * only those. `createClient` installs them on its peer, `registerService`
   * on every peer that calls a member.
   */
  readonly features: readonly PeerFeature[];
  /** Type-level only; never set. */
  readonly types?: { readonly client: C; readonly implementation: I };
}

/** Builds a {@link ServiceDefinition}; used by generated code. */
export function defineService<C, I>(
  descriptor: ServiceDescriptor,
  errors: Readonly<Record<string, SchemaErrorClass>> = {},
  features: readonly PeerFeature[] = [],
): ServiceDefinition<C, I> {
  return Object.freeze({ descriptor, errors, features });
}

/** Per-call options of a generated client method. */
export interface ClientCallOptions {
  /** Overrides the client's timeout; 0 or Infinity = none. For streams: the idle time between parts. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** Default timeout of every call. */
  timeoutMs?: number;
  /** Validate results (default true). */
  validate?: boolean;
  /** Reject unknown fields in results instead of ignoring them. */
  strict?: boolean;
}

/** The caller side of a topic. */
export interface TopicSubscriber<T> {
  /**
   * Subscribes; `handler` gets each published value. Returns the unsubscribe
   * function. `onError` gets the failure that ended the subscription, if any.
   */
  subscribe(handler: (value: T) => void, options?: { onError?: (error: SparrowError) => void }): () => void;
}

/** The exporter side of a topic. */
export interface TopicPublisher<T> {
  /** Sends `value` to every subscriber. */
  publish(value: T): void;
  /** Live subscriptions. */
  readonly subscriberCount: number;
  /** Ends every subscription. */
  close(): void;
}

/** What {@link registerService} returns. */
export interface ServiceRegistration<T = Record<string, TopicPublisher<unknown>>> {
  /** One publisher per topic, by TS name. */
  readonly topics: T;
  /** Removes every export again and closes the topics. */
  unregister(): void;
}

/** Options of {@link registerService}. */
export interface RegisterOptions {
  /**
   * Decides whether the caller may use a member that has `@auth` groups
   * (fail closed: without a hook such members answer `permission-denied`).
   */
  authorize?: (ctx: CallContext, groups: readonly string[]) => boolean | Promise<boolean>;
  /** Validate incoming params (default true). */
  validate?: boolean;
  /** Reject unknown params and fields instead of ignoring them. */
  strict?: boolean;
  /** Options of every topic's subscriber queues. */
  topic?: TopicOptions;
}

/** Anything with `export`: a `Peer` or a `Registry`. */
export interface ExportTarget {
  export(name: string, handler: Handler, options?: ExportOptions): () => void;
}

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

/** The qualified name of the error declaration whose schema name is `type`, preferring the member's `throws`. */
function findErrorName(descriptor: ServiceDescriptor, throws: readonly string[] | undefined, type: string): string | undefined {
  const candidates = [...(throws ?? []), ...Object.keys(descriptor.types)];
  return candidates.find((q) => {
    const decl = descriptor.types[q];
    return decl?.kind === 'error' && decl.name === type;
  });
}

/**
 * Turns a remote callee error whose type is a schema error into the
 * generated class; anything else is returned unchanged.
 */
function reviveError(definition: ServiceDefinition, member: CallDesc | undefined, error: unknown): unknown {
  if (!(error instanceof SparrowError) || error.code !== ErrorCode.CalleeError || error.remoteType === undefined || error instanceof SchemaError) return error;
  const name = findErrorName(definition.descriptor, member?.throws, error.remoteType);
  const Class = name === undefined ? undefined : definition.errors[name];
  const decl = name === undefined ? undefined : definition.descriptor.types[name];
  if (Class === undefined || decl === undefined || decl.kind !== 'error') return error;
  let fields: Record<string, unknown>;
  try {
    fields = decodeFields(decl.fields, error.data ?? {}, definition.descriptor.types, 'data');
  } catch {
    // Malformed fields: keep the generic callee error rather than invent values.
    return error;
  }
  const options = { cause: error, ...(error.details === undefined ? {} : { details: error.details }) };
  return new (Class as unknown as new (f: unknown, m: string, o: unknown) => SchemaError)(fields, error.message, options);
}

/** The wire params of a call from TS args, with callbacks and iterables wrapped. */
function encodeArgs(params: readonly ParamDesc[], args: Record<string, unknown> | undefined, types: TypeTable, kinds: Record<string, ParamKind>): Params {
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
function valueArgsEncoder(params: readonly ParamDesc[], types: TypeTable, kinds: Record<string, ParamKind>): ((args: Record<string, unknown> | undefined) => Params) | undefined {
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

/**
 * Builds a typed client for `definition` on `peer`: one property per member
 * (by TS name). Calls resolve with validated, decoded results and reject
 * with `SparrowError`, or a generated error class for a declared error;
 * stream results are `AsyncIterable`s; notify members return nothing; topics
 * have `subscribe`.
 */
export function createClient<C>(peer: Peer, definition: ServiceDefinition<C, unknown>, options: ClientOptions = {}): C {
  const { descriptor } = definition;
  if (definition.features.length > 0) usePeerFeatures(peer, definition.features);
  const types = descriptor.types;
  const decodeOptions: DecodeOptions = options.strict === true ? { strict: true } : {};
  const validate = options.validate !== false;
  const client: Record<string, unknown> = {};
  const callOptions = (kinds: Record<string, ParamKind>, perCall: ClientCallOptions | undefined): CallOptions => {
    const result: CallOptions = { namespace: descriptor.namespace, paramKinds: kinds };
    const timeoutMs = perCall?.timeoutMs ?? options.timeoutMs;
    if (timeoutMs !== undefined) result.timeoutMs = timeoutMs;
    if (perCall?.signal !== undefined) result.signal = perCall.signal;
    return result;
  };
  /** A decoder built once per member (`createDecoder`), or none without validation. */
  const resultDecoder = (type: CallDesc['result'], path: string): ((value: unknown) => unknown) => {
    if (!validate) return (value) => value;
    const decode = createDecoder(type, types, decodeOptions);
    return (value) => decode(value, path);
  };

  for (const member of descriptor.methods) {
    const key = tsKey(member);
    if (member.kind === 'topic') {
      client[key] = topicSubscriber(peer, descriptor.namespace, member, resultDecoder(member.type, member.name));
    } else if (member.kind === 'notify') {
      client[key] = (args?: Record<string, unknown>): void => {
        peer.notify(member.name, encodeArgs(member.params, args, types, {}), { namespace: descriptor.namespace });
      };
    } else if (member.stream === true) {
      const decodeItem = resultDecoder(member.result, `${member.name}[]`);
      const revive = (error: unknown): unknown => reviveError(definition, member, error);
      client[key] = (args?: Record<string, unknown>, perCall?: ClientCallOptions): AsyncIterable<unknown> => {
        const kinds: Record<string, ParamKind> = {};
        const params = encodeArgs(member.params, args, types, kinds);
        return new DecodedStream(peer.callStream(member.name, params, callOptions(kinds, perCall)), decodeItem, revive);
      };
    } else {
      // Per member, not per call: a param's kind comes from the schema, so
      // the kinds (and the options of a call without per-call options) never change.
      const kinds: Record<string, ParamKind> = {};
      // Decoding and reviving run inside the call (mapResult, mapError): no extra promise per call.
      const mapResult = resultDecoder(member.result, 'result');
      const mapError = (error: SparrowError): unknown => reviveError(definition, member, error);
      const mapped = (options: CallOptions): CallOptions => {
        options.mapResult = mapResult;
        options.mapError = mapError;
        return options;
      };
      const defaultOptions = mapped(callOptions(kinds, undefined));
      const encodeValues = valueArgsEncoder(member.params, types, kinds);
      client[key] = (args?: Record<string, unknown>, perCall?: ClientCallOptions): Promise<unknown> => {
        let params: Params;
        try {
          params = encodeValues === undefined ? encodeArgs(member.params, args, types, kinds) : encodeValues(args);
        } catch (error) {
          return Promise.reject(error);
        }
        return peer.call(member.name, params, perCall === undefined ? defaultOptions : mapped(callOptions(kinds, perCall)));
      };
    }
  }
  return Object.freeze(client) as C;
}

const DONE: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

/**
 * A generated client's stream result: the call's items, decoded as they are
 * read. An item that fails validation ends the stream: the callee is told to
 * stop, and no later item is yielded. Items already buffered are handed over
 * at once (`tryNext`): one resolved promise per item, no async function or
 * `then` chain.
 */
class DecodedStream implements AsyncIterableIterator<unknown, undefined, undefined> {
  private readonly stream: CallStream<unknown>;
  private readonly decode: (item: unknown) => unknown;
  private readonly revive: (error: unknown) => unknown;
  private invalidItem = false;

  constructor(stream: CallStream<unknown>, decode: (item: unknown) => unknown, revive: (error: unknown) => unknown) {
    this.stream = stream;
    this.decode = decode;
    this.revive = revive;
  }

  next(): Promise<IteratorResult<unknown, undefined>> {
    if (this.invalidItem) return Promise.resolve(DONE);
    const ready = this.stream.tryNext();
    if (ready === undefined) return this.stream.next().then(this.onStep, this.onError);
    if (ready.done === true) return Promise.resolve(ready);
    try {
      return Promise.resolve({ done: false, value: this.decode(ready.value) });
    } catch (error) {
      return Promise.reject(this.invalid(error));
    }
  }

  return(): Promise<IteratorResult<unknown, undefined>> {
    this.stream.cancel();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private readonly onStep = (step: IteratorResult<unknown, undefined>): IteratorResult<unknown, undefined> => {
    if (step.done === true) return step;
    try {
      return { done: false, value: this.decode(step.value) };
    } catch (error) {
      throw this.invalid(error);
    }
  };

  private readonly onError = (error: unknown): never => {
    throw this.revive(error);
  };

  private invalid(error: unknown): unknown {
    this.invalidItem = true;
    this.stream.cancel();
    return error;
  }
}

function topicSubscriber(peer: Peer, namespace: string, member: TopicDesc, decode: (value: unknown) => unknown): TopicSubscriber<unknown> {
  return {
    subscribe(handler, options = {}) {
      // A subscription stays open as long as it is wanted: no idle timeout.
      // `resubscribe`: a reconnecting peer opens it again after a drop.
      const stream = peer.callStream(member.name, {}, { namespace, timeoutMs: 0, resubscribe: true });
      let stopped = false;
      void (async () => {
        try {
          for await (const value of stream) handler(decode(value) as never);
        } catch (error) {
          if (!stopped) options.onError?.(SparrowError.from(error));
        }
      })();
      return () => {
        stopped = true;
        stream.cancel();
      };
    },
  };
}

/** The value params of a member's params (computed once per member, not per call). */
const VALUE_FIELDS = new WeakMap<readonly ParamDesc[], FieldDesc[]>();

/** Built params decoders, per member's value fields (see decodeParams). */
const PARAMS_DECODERS = new WeakMap<readonly FieldDesc[], (value: Params) => Record<string, unknown>>();

/** Decodes a call's wire params for the implementation: values validated, streams and callbacks wrapped. */
function decodeParams(member: CallDesc | { params: readonly ParamDesc[] }, params: Params, types: TypeTable, options: DecodeOptions, validate: boolean): Record<string, unknown> {
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

/** A thrown generated error becomes a wire error with its fields in `data`; anything else goes as is. */
function encodeThrown(definition: ServiceDefinition, error: unknown): unknown {
  if (!(error instanceof SchemaError) || error.remoteType === undefined) return error;
  const name = findErrorName(definition.descriptor, undefined, error.remoteType);
  const decl = name === undefined ? undefined : definition.descriptor.types[name];
  if (decl === undefined || decl.kind !== 'error') return error;
  const data = encodeFields(decl.fields, error.fields as Record<string, unknown>, definition.descriptor.types);
  return new SparrowError(ErrorCode.CalleeError, error.message, {
    remoteType: error.remoteType,
    data,
    cause: error,
    ...(error.details === undefined ? {} : { details: error.details }),
  });
}

/**
 * A multipart result in wire form, synchronous when the source is: the
 * peer then sends a sync source's items in one loop without an await per
 * item (an async wrapper around a sync generator doubled the streaming
 * server's CPU per item).
 */
function encodeStream(definition: ServiceDefinition, source: AsyncIterable<unknown> | Iterable<unknown>, map: (item: unknown) => unknown): AsyncIterable<unknown> | Iterable<unknown> {
  return Symbol.asyncIterator in source ? encodeStreamAsync(definition, source, map) : encodeStreamSync(definition, source as Iterable<unknown>, map);
}

function encodeStreamSync(definition: ServiceDefinition, source: Iterable<unknown>, map: (item: unknown) => unknown): Iterable<unknown> {
  return new EncodedIterator(definition, source[Symbol.iterator](), map);
}

/**
 * A sync source's items in wire form. A hand-written iterator rather than a
 * generator: no generator resume per item on the streaming server's hot
 * path. `return()` reaches the source (a generator's `finally` runs when
 * the stream is cancelled); a generated error it throws travels typed.
 */
class EncodedIterator implements IterableIterator<unknown, undefined, undefined> {
  private readonly definition: ServiceDefinition;
  private readonly source: Iterator<unknown>;
  private readonly map: (item: unknown) => unknown;

  constructor(definition: ServiceDefinition, source: Iterator<unknown>, map: (item: unknown) => unknown) {
    this.definition = definition;
    this.source = source;
    this.map = map;
  }

  /** One result object for every item: the peer reads `value` before it pulls again (one allocation less per item). */
  private readonly step: { done: false; value: unknown } = { done: false, value: undefined };

  next(): IteratorResult<unknown, undefined> {
    try {
      const step = this.source.next();
      if (step.done === true) return { done: true, value: undefined };
      this.step.value = this.map(step.value);
      return this.step;
    } catch (error) {
      throw encodeThrown(this.definition, error);
    }
  }
  return(): IteratorResult<unknown, undefined> {
    this.source.return?.();
    return { done: true, value: undefined };
  }

  [Symbol.iterator](): this {
    return this;
  }
}

/** A generated error thrown mid-stream still travels typed. */
async function* encodeStreamAsync(definition: ServiceDefinition, source: AsyncIterable<unknown> | Iterable<unknown>, map: (item: unknown) => unknown): AsyncGenerator<unknown, undefined, undefined> {
  try {
    for await (const item of source) yield map(item);
  } catch (error) {
    throw encodeThrown(definition, error);
  }
  return undefined;
}

/**
 * Exports every member of `definition` on `target` (a peer, or a registry
 * shared by many peers) under the service's namespace.
 *
 * Before user code runs: `@auth` members are refused with
 * `permission-denied` unless `options.authorize` allows (fail closed), and
 * params are validated (`invalid-params`, cat r `InvalidParams`). Results
 * are converted to the wire form; a thrown generated error travels typed.
 * Topics are exported as multipart subscriptions; publish through the
 * returned `topics`. The descriptor is attached for `#sys.describe`.
 * @throws SparrowError `invalid-state` when a member is already exported there;
 *   `invalid-params` when a call member has no handler in `implementation`.
 */
export function registerService<T = Record<string, TopicPublisher<unknown>>>(
  target: ExportTarget,
  definition: ServiceDefinition<unknown, unknown>,
  implementation: object,
  options: RegisterOptions = {},
): ServiceRegistration<T> {
  const { descriptor } = definition;
  const types = descriptor.types;
  const validate = options.validate !== false;
  const decodeOptions: DecodeOptions = options.strict === true ? { strict: true } : {};
  const removers: (() => void)[] = [];
  const topics: Record<string, TopicPublisher<unknown>> = {};
  const impl = implementation as Record<string, unknown>;

  /** The `@auth` hook of a member with groups (the dispatcher runs it before anything else). */
  const guardOf = (member: MemberDesc): ExportOptions['guard'] => {
    const groups = member.auth;
    if (groups === undefined) return undefined;
    return async (ctx: CallContext): Promise<void> => {
      const allowed = options.authorize === undefined ? false : await options.authorize(ctx, groups);
      if (!allowed) throw new SparrowError(ErrorCode.PermissionDenied, `${member.name} requires one of the groups: ${groups.join(', ')}`);
    };
  };
  const exportOptionsOf = (member: MemberDesc): ExportOptions => {
    const exportOptions: ExportOptions = { namespace: descriptor.namespace };
    const guard = guardOf(member);
    if (guard !== undefined) exportOptions.guard = guard;
    if (definition.features.length > 0) exportOptions.features = definition.features;
    return exportOptions;
  };

  try {
    for (const member of descriptor.methods) {
      const exportOptions = exportOptionsOf(member);
      if (member.kind === 'topic') {
        const topic = createTopic<unknown>(options.topic ?? {});
        topics[tsKey(member)] = {
          publish: (value) => topic.publish(encodeValue(member.type, value, types)),
          get subscriberCount() {
            return topic.subscriberCount;
          },
          close: () => topic.close(),
        };
        exportOptions.multipart = true;
        removers.push(target.export(member.name, topic.handler, exportOptions));
        removers.push(() => topic.close());
        continue;
      }
      const fn = impl[tsKey(member)];
      if (!isFunction(fn)) {
        throw new SparrowError(ErrorCode.InvalidParams, `the implementation of ${descriptor.name} has no handler ${tsKey(member)}`);
      }
      const callbacks: Record<string, CallbackStyle> = {};
      for (const param of member.params) if (param.kind === 'callback') callbacks[param.name] = (param.result ?? 'void') === 'void' ? 'notification' : 'request';
      if (Object.keys(callbacks).length > 0) exportOptions.callbacks = callbacks;
      const call = member.kind === 'call' ? member : undefined;
      if (call?.stream === true) exportOptions.multipart = true;
      const run = (fn as (args: unknown, ctx: CallContext) => unknown).bind(implementation);
      const encodeItem = call?.stream === true ? createEncoder(call.result, types) : undefined;
      const answer = (result: unknown): unknown => {
        if (call === undefined) return undefined;
        if (call.stream === true) {
          if (!isIterable(result)) throw new SparrowError(ErrorCode.CalleeError, `${member.name} must return an iterable`);
          return encodeStream(definition, result, encodeItem!);
        }
        return call.result === 'void' ? undefined : encodeValue(call.result, result, types);
      };
      const rethrow = (error: unknown): never => {
        throw encodeThrown(definition, error);
      };
      // The validation hook: the dispatcher runs it after the `@auth` guard, before the handler.
      exportOptions.decodeParams = (params) => decodeParams(member, params, types, decodeOptions, validate);
      // Synchronous when the implementation is: the peer then answers
      // without a promise per call (the peer catches a synchronous throw
      // exactly as a rejection).
      const handler: Handler = (args, ctx) => {
        let result: unknown;
        try {
          result = run(args, ctx);
        } catch (error) {
          rethrow(error);
        }
        return isThenable(result) ? Promise.resolve(result).then(answer, rethrow) : answer(result);
      };
      removers.push(target.export(member.name, handler, exportOptions));
    }
    removers.push(attachServiceDescriptor(target, descriptor));
  } catch (error) {
    for (const remove of removers) remove();
    throw error;
  }
  return {
    topics: topics as T,
    unregister: () => {
      for (const remove of removers.splice(0)) remove();
    },
  };
}
