/**
 * Service glue: typed clients over `Peer.call`/`callStream`/`notify`, and
 * registration of an implementation with validation, `@auth`, typed errors,
 * callbacks, iterable params, multipart results and topics — all driven by a
 * {@link ServiceDescriptor}, so generated code only declares types.
 *
 * This file wires members to the peer: plain calls and notifications of
 * value params itself, everything else through the parts of the glue the
 * definition carries (definition.ts), so a bundle holds only the parts its
 * schema uses.
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import type { Params } from '../envelope/message.ts';
import { inGroups } from '../rpc/guards.ts';
import { dispatcherFeature } from '../rpc/dispatcher.ts';
import { usePeerFeatures } from '../rpc/peer-core.ts';
import { attachServiceDescriptor } from '../rpc/registry.ts';
import type { TopicOptions } from '../rpc/topic.ts';
import type { CallbackStyle, CallContext, CallOptions, ExportOptions, Handler, ParamKind, Peer } from '../rpc/types.ts';
import { isIterable, isThenable } from '../values.ts';
import { fieldsEncoder, identity, plainCodec, rooted, type DecodeOptions } from './codec-core.ts';
import { needGlue, type ClientCallOptions, type ClientMember, type ServiceDefinition, type TopicPublisher } from './definition.ts';
import { tsKey, type CallDesc, type MemberDesc, type ParamDesc, type TypeDesc } from './descriptor.ts';
import { valueArgsDecoder } from './service-params.ts';

export { defineServiceWith, type ClientCallOptions, type ClientMember, type ServiceDefinition, type ServiceGlue, type TopicPublisher, type TopicSubscriber } from './definition.ts';
export { ALL_SERVICE_GLUE, defineService } from './define-service.ts';

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** Default timeout of every call. */
  timeoutMs?: number;
  /** Validate results (default true). */
  validate?: boolean;
  /** Reject unknown fields in results instead of ignoring them. */
  strict?: boolean;
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
  const { descriptor, glue } = definition;
  usePeerFeatures(peer, definition.features);
  const { namespace, types } = descriptor;
  const codec = glue.codec ?? plainCodec;
  const client: Record<string, unknown> = {};
  /** A decoder built once per member, or none without validation; the client's options are decode options too (`strict`). */
  const decoder = (type: TypeDesc, path: string): ((value: unknown) => unknown) => (options.validate === false ? identity : rooted(codec.decoder(type, types, options), path));

  for (const member of descriptor.methods) {
    // Per member, not per call: a param's kind comes from the schema, so
    // the kinds (and the options of a call without per-call options) never change.
    const params = member.kind === 'topic' ? [] : member.params;
    // How each param travels (`CallOptions.paramKinds`).
    const kinds: Record<string, ParamKind> = Object.fromEntries(params.map((param) => [param.name, param.kind === 'stream' ? 'iterable' : (param.kind ?? 'value')]));
    const encodeArgs = params.some((param) => param.kind !== undefined) ? needGlue(glue.callbacks, 'callback', member).argsEncoder(params, codec, types) : fieldsEncoder(params, codec, types);
    const callOptions = (perCall: ClientCallOptions | undefined): CallOptions => {
      const result: CallOptions = { namespace, paramKinds: kinds };
      const timeoutMs = perCall?.timeoutMs ?? options.timeoutMs;
      if (timeoutMs !== undefined) result.timeoutMs = timeoutMs;
      if (perCall?.signal !== undefined) result.signal = perCall.signal;
      return result;
    };
    const context: ClientMember = { peer, namespace, encodeArgs, decoder, callOptions, revive: glue.errors?.reviver(definition, member) };
    const key = tsKey(member);
    if (member.kind === 'topic') client[key] = needGlue(glue.topics, 'topic', member).client(member, context);
    else if (member.kind === 'notify') client[key] = (args?: Record<string, unknown>): void => peer.notify(member.name, encodeArgs(args), { namespace });
    else if (member.stream === true) client[key] = needGlue(glue.streams, 'stream', member).client(member, context);
    else client[key] = plainCall(member, context);
  }
  return Object.freeze(client) as C;
}

/** A call member's method: decoding and reviving run inside the call (mapResult, mapError), no extra promise per call. */
function plainCall(member: CallDesc, { peer, encodeArgs, decoder, callOptions, revive }: ClientMember): (args?: Record<string, unknown>, perCall?: ClientCallOptions) => Promise<unknown> {
  // The options of a call without per-call options, built once; per-call options replace what they set.
  const defaults = callOptions(undefined);
  defaults.mapResult = decoder(member.result, 'result');
  if (revive !== undefined) defaults.mapError = revive;
  return (args, perCall) => {
    let params: Params;
    try {
      params = encodeArgs(args);
    } catch (error) {
      return Promise.reject(error);
    }
    return peer.call(member.name, params, perCall === undefined ? defaults : { ...defaults, ...callOptions(perCall) });
  };
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
  const { descriptor, glue } = definition;
  // A peer answers through its dispatcher (a part a client-only bundle leaves out); registries are left alone.
  usePeerFeatures(target as Peer, [dispatcherFeature]);
  const types = descriptor.types;
  const codec = glue.codec ?? plainCodec;
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

  /** A handler's result in wire form: a multipart answer for a stream member (`exportOptions.multipart` set here). */
  const answerOf = (member: MemberDesc): ((result: unknown) => unknown) => {
    if (member.kind !== 'call') return () => undefined;
    if (member.stream !== true) {
      if (member.result === 'void') return () => undefined;
      const encode = codec.encoder(member.result, types);
      return (result) => (result === undefined || result === null ? result : encode(result));
    }
    const streams = needGlue(glue.streams, 'stream', member);
    const encodeItem = codec.encoder(member.result, types);
    return (result) => {
      if (!isIterable(result)) throw new SparrowError(ErrorCode.CalleeError, `${member.name} must return an iterable`);
      return streams.encoded(result, encodeItem, (error) => (errors === undefined ? error : errors.encodeThrown(definition, error)));
    };
  };

  // What a handler throws: a generated error travels typed.
  const errors = glue.errors;
  const rethrow = (error: unknown): never => {
    throw errors === undefined ? error : errors.encodeThrown(definition, error);
  };

  try {
    for (const member of descriptor.methods) {
      const exportOptions = exportOptionsOf(member);
      if (member.kind === 'topic') {
        const { publisher, handler } = needGlue(glue.topics, 'topic', member).publisher(codec.encoder(member.type, types), options.topic ?? {});
        topics[tsKey(member)] = publisher;
        exportOptions.multipart = true;
        removers.push(target.export(member.name, handler, exportOptions));
        removers.push(() => publisher.close());
        continue;
      }
      const fn = impl[tsKey(member)];
      if (typeof fn !== 'function') {
        throw new SparrowError(ErrorCode.InvalidParams, `the implementation of ${descriptor.name} has no handler ${tsKey(member)}`);
      }
      const callbacks: Record<string, CallbackStyle> = {};
      for (const param of member.params) if (param.kind === 'callback') callbacks[param.name] = (param.result ?? 'void') === 'void' ? 'notification' : 'request';
      if (Object.keys(callbacks).length > 0) exportOptions.callbacks = callbacks;
      // The validation hook: the dispatcher runs it after the `@auth` guard, before the handler.
      exportOptions.decodeParams = member.params.some((param) => param.kind !== undefined)
        ? needGlue(glue.callbacks, 'callback', member).argsDecoder(member, codec, types, decodeOptions, validate)
        : valueArgsDecoder(member.params, codec, types, decodeOptions, validate);
      const answer = answerOf(member);
      if (member.kind === 'call' && member.stream === true) exportOptions.multipart = true;
      const run = (fn as (args: unknown, ctx: CallContext) => unknown).bind(implementation);
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
