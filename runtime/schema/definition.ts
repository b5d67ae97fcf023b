/**
 * What generated code hands the service glue: a service's descriptor, its
 * generated error classes, and the parts of the glue its members need.
 * Plain unary calls of scalar values need no part; each other feature of a
 * schema is a part (a module of its own) that generated code imports only
 * when the schema uses it, so a bundle carries only those.
 */
import type { Params } from '../envelope/message.ts';
import type { SparrowError } from '../errors.ts';
import { installExactJson, type ExactJson } from '../serialisation/json.ts';
import type { TopicOptions } from '../rpc/topic.ts';
import type { CallOptions, Handler, Peer, PeerFeature } from '../rpc/types.ts';
import { descriptorError, type DecodeOptions, type ValueCodec } from './codec-core.ts';
import type { CallDesc, MemberDesc, ParamDesc, ServiceDescriptor, TopicDesc, TypeDesc, TypeTable } from './descriptor.ts';
import type { SchemaErrorClass } from './typed-error.ts';

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

/** Per-call options of a generated client method. */
export interface ClientCallOptions {
  /** Overrides the client's timeout; 0 or Infinity = none. For streams: the idle time between parts. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * What `createClient` hands the part that builds a member it does not
 * build itself (a stream result, a topic): the member's wiring to the peer.
 */
export interface ClientMember {
  readonly peer: Peer;
  readonly namespace: string;
  /** The member's wire params from TS args (a topic has none). */
  readonly encodeArgs: (args?: Record<string, unknown>) => Params;
  /** A decoder of `type` built once, its refusals under `path`; values as they are when the client does not validate. */
  decoder(type: TypeDesc, path: string): (value: unknown) => unknown;
  /** The options of one call: namespace, param kinds, the timeout (per call, else the client's) and signal. */
  callOptions(perCall: ClientCallOptions | undefined): CallOptions;
  /** A declared error as its generated class (`typedErrorGlue`), when the schema has any. */
  readonly revive: ((error: unknown) => unknown) | undefined;
}

/** Stream results (`streamGlue`): the caller's decoded items, the callee's multipart answer. */
export interface StreamGlue {
  /** The peer part the members need (`streamsFeature`). */
  readonly feature: PeerFeature;
  /** The caller's method: a stream of items decoded as read; an invalid item ends it. */
  client(member: CallDesc, context: ClientMember): (args?: Record<string, unknown>, perCall?: ClientCallOptions) => AsyncIterable<unknown>;
  /** The callee's answer in wire form, synchronous when `source` is; `rethrow` maps what the source throws. */
  encoded(source: AsyncIterable<unknown> | Iterable<unknown>, encode: (item: unknown) => unknown, rethrow: (error: unknown) => unknown): AsyncIterable<unknown> | Iterable<unknown>;
}

/** Topics (`topicGlue`): subscriptions on the caller, publishers on the exporter. */
export interface TopicGlue {
  /** The peer part the members need (`streamsFeature`). */
  readonly feature: PeerFeature;
  /** The caller's subscriber: values decoded as read. */
  client(member: TopicDesc, context: ClientMember): TopicSubscriber<unknown>;
  publisher(encode: (value: unknown) => unknown, options: TopicOptions): { publisher: TopicPublisher<unknown>; handler: Handler };
}

/** Callback and stream params (`callbackGlue`). */
export interface CallbackGlue {
  /** The peer part the members need (`callbacksFeature`). */
  readonly feature: PeerFeature;
  /** The caller's wire params from TS args: values encoded, callbacks wrapped, iterables mapped. */
  argsEncoder(params: readonly ParamDesc[], codec: ValueCodec, types: TypeTable): (args: Record<string, unknown> | undefined) => Params;
  /**
   * The callee's args from wire params: values validated (unless not
   * `validate`), callbacks and iterables wrapped.
   * @throws SparrowError `invalid-params` (from the built decoder).
   */
  argsDecoder(member: { readonly params: readonly ParamDesc[] }, codec: ValueCodec, types: TypeTable, options: DecodeOptions, validate: boolean): (params: Params) => Record<string, unknown>;
}

/** Declared errors (`typedErrorGlue`): generated error classes across the wire. */
export interface TypedErrorGlue {
  /** What `member`'s client maps its failures with: a remote callee error of a schema error's type as its generated class; anything else unchanged. */
  reviver(definition: ServiceDefinition, member: MemberDesc): (error: unknown) => unknown;
  /** A thrown generated error as a wire error with its fields; anything else unchanged. */
  encodeThrown(definition: ServiceDefinition, error: unknown): unknown;
}

/** The parts of the glue a service needs; generated code lists only what its schema uses. */
export interface ServiceGlue {
  /** The codec of lists, maps, tuples, declared types and int64 (`valueCodec`); without it, scalars only. */
  readonly codec?: ValueCodec;
  readonly streams?: StreamGlue;
  readonly topics?: TopicGlue;
  readonly callbacks?: CallbackGlue;
  readonly errors?: TypedErrorGlue;
  /**
   * JSON's exact numbers (`exactJson`): int64 beyond 2^53, NaN, ±Infinity,
   * −0 and floats written as floats. Generated code passes it when a value
   * of the schema is an integer, a float or `any`; `defineServiceWith`
   * installs it for every JSON part (the Node platform always has it).
   */
  readonly json?: ExactJson;
}

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
   * results and topics, `callbacksFeature` for callback and stream params).
   * `createClient` installs them on its peer, `registerService` on every
   * peer that calls a member.
   */
  readonly features: readonly PeerFeature[];
  /** The parts of the glue the members need. */
  readonly glue: ServiceGlue;
  /** Type-level only; never set. */
  readonly types?: { readonly client: C; readonly implementation: I };
}

/**
 * Builds a {@link ServiceDefinition} with only the parts of the glue in
 * `glue` (what generated code calls); the peer parts come with them, and
 * JSON's exact numbers, when given, are installed here.
 */
export function defineServiceWith<C, I>(descriptor: ServiceDescriptor, glue: ServiceGlue, errors: Readonly<Record<string, SchemaErrorClass>> = {}): ServiceDefinition<C, I> {
  if (glue.json !== undefined) installExactJson(glue.json);
  // Every part that needs a peer part names it (streams and topics the same one: installing one twice is a no-op).
  const features = Object.values(glue).flatMap((part: { feature?: PeerFeature } | undefined) => part?.feature ?? []);
  return Object.freeze({ descriptor, errors, features, glue });
}

/**
 * The part `name` of the glue, which `member` needs.
 * @throws SparrowError `invalid-state` when the definition lacks it (built without it).
 */
export function needGlue<T>(part: T | undefined, name: string, member: MemberDesc): T {
  return part ?? descriptorError(`${member.name} needs the ${name}Glue`);
}
