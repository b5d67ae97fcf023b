/**
 * Service glue: typed clients over `Peer.call`/`callStream`/`notify`, and
 * registration of an implementation with validation, `@auth`, typed errors,
 * callbacks, iterable params, multipart results and topics — all driven by a
 * {@link ServiceDescriptor}, so generated code only declares types.
 *
 * This file wires members to the peer; its parts are the definition
 * (definition.ts), params (service-params.ts), typed errors
 * (service-errors.ts) and streams and topics (service-streams.ts).
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import type { Params } from '../envelope/message.ts';
import { inGroups, isIterable, isThenable } from '../rpc/guards.ts';
import { dispatcherFeature } from '../rpc/dispatcher.ts';
import { usePeerFeatures } from '../rpc/peer-core.ts';
import { attachServiceDescriptor } from '../rpc/registry.ts';
import type { CallbackStyle, CallContext, CallOptions, ExportOptions, Handler, ParamKind, Peer } from '../rpc/types.ts';
import { createTopic, type TopicOptions } from '../rpc/topic.ts';
import { encodeValue, type DecodeOptions } from './codec.ts';
import { createDecoder, createEncoder } from './compiled-codec.ts';
import type { ServiceDefinition } from './definition.ts';
import { tsKey, type CallDesc, type MemberDesc } from './descriptor.ts';
import { encodeThrown, reviveError } from './service-errors.ts';
import { decodeParams, encodeArgs, isFunction, valueArgsEncoder } from './service-params.ts';
import { DecodedStream, encodeStream, topicSubscriber } from './service-streams.ts';

export { defineService, type ServiceDefinition } from './definition.ts';
export type { TopicSubscriber } from './service-streams.ts';

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
   * Decides whether the caller may use a member that has `@auth` groups.
   * Default: the caller's `ctx.identity` is in one of the groups (no
   * identity: refused with `permission-denied`). Give a hook for other rules.
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

/**
 * Exports every member of `definition` on `target` (a peer, or a registry
 * shared by many peers) under the service's namespace.
 *
 * Before user code runs: `@auth` members are refused with
 * `permission-denied` unless the caller's identity is in one of their
 * groups (or `options.authorize` allows: fail closed), and
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
  // A peer answers through its dispatcher (a part a client-only bundle leaves out); registries are left alone.
  usePeerFeatures(target as Peer, [dispatcherFeature]);
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
      const allowed = options.authorize === undefined ? inGroups(ctx.identity, groups) : await options.authorize(ctx, groups);
      if (!allowed) throw new SparrowError(ErrorCode.PermissionDenied, `${member.name} requires one of the groups: ${groups.join(', ')}`);
    };
  };
  const exportOptionsOf = (member: MemberDesc): ExportOptions => {
    const exportOptions: ExportOptions = { namespace: descriptor.namespace };
    const guard = guardOf(member);
    if (guard !== undefined) exportOptions.guard = guard;
    if (member.auth !== undefined) exportOptions.auth = member.auth;
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
