/**
 * The rpc layer's public contracts, at the bottom of rpc/ so every part
 * (registry, call table, dispatcher, streams, callbacks, the peer) can name
 * them without importing each other: the peer and its options, a handler
 * and its context, what a registry stores.
 */
import type { MessageId, Params, SerialiserCode, ChainLayout, WireFormat } from '../envelope/message.ts';
import type { SparrowError } from '../errors.ts';
import type { ConnectionFacts } from '../wire.ts';
import type { Logger } from './logger.ts';
import type { LogLimiter } from './log-limit.ts';

/**
 * How the callee's proxy for a callback param calls back (PROTOCOL.md §7.8):
 * `notification` sends `n` and returns nothing; `request` sends `r` and
 * resolves with the caller's answer. The wire does not say which style a
 * callback is, so the side that calls it (the callee) decides; the caller
 * answers either.
 */
export type CallbackStyle = 'notification' | 'request';

/**
 * How a caller passes one param (`CallOptions.paramKinds`):
 * - `value`: a plain value, serialised in the params map;
 * - `callback`: a function the callee may call back (`#cb`);
 * - `iterable`: an `Iterable` or `AsyncIterable` the callee pulls item by item (`#icb`).
 *
 * Without an explicit kind a param is a `callback` when it is a function, an
 * `iterable` when it is an async iterable or an iterator (an object with both
 * `next()` and `Symbol.iterator`, like a generator: the reference's rule),
 * else a `value`. Arrays, sets and maps are values unless said otherwise.
 */
export type ParamKind = 'value' | 'callback' | 'iterable';

/** A callee-side callback param in notification style: returns nothing. */
export type NotifyCallback = (params?: Params) => void;
/** A callee-side callback param in request style: resolves with what the caller's function returned. */
export type RequestCallback = (params?: Params) => Promise<unknown>;

/** Who the other side of a connection is, as `authenticate` (or a TLS client certificate) established. */
export interface Identity {
  /** The user or service, e.g. a user name or a certificate's CN. */
  readonly subject: string;
  /** What `@auth("group")` members are checked against. */
  readonly groups: readonly string[];
}

/** What a listener's `authenticate` hook is given for one connection. */
export interface AuthenticateRequest extends ConnectionFacts {
  /** The other end, for logs. */
  readonly remote: string;
  /** What the client sent in `#sys.hello` (`connectPeer`'s `credentials`); `undefined` when it sent none. */
  readonly credentials: unknown;
}

/**
 * Decides who the other side of a connection is: returns its identity, or
 * throws (rejects) to refuse the connection. A refusal answers the waiting
 * requests with `permission-denied` and closes the connection; a thrown
 * `SparrowError`'s message is the reason the client is told, any other
 * exception gives a generic reason.
 */
export type Authenticate = (request: AuthenticateRequest) => Identity | Promise<Identity>;

/**
 * What a handler receives besides its params. One object per incoming call;
 * `signal` is created on first access so that handlers that never look at it
 * cost nothing.
 */
export interface CallContext {
  /** The peer the call arrived on: handlers may call back into their caller with it. */
  readonly peer: Peer;
  /**
   * Aborted when the caller cancels the call (`#sys.cancel`), when the
   * connection closes, or when the peer is closed. The reason is a
   * `SparrowError` (`aborted` or `connection-closed`).
   */
  readonly signal: AbortSignal;
  /** The target name as it arrived on the wire. */
  readonly target: string;
  /** The namespace ("" is the default namespace). */
  readonly namespace: string;
  /** The caller's request id; `undefined` for notifications. */
  readonly id: MessageId | undefined;
  /** The wire format the call arrived in (the response uses it too). */
  readonly format: WireFormat;
  /**
   * Who the caller is: what `authenticate` returned for this connection,
   * else the subject (CN) of its verified TLS client certificate, else
   * `undefined`. `@auth("group")` members check its `groups`.
   */
  readonly identity: Identity | undefined;
  /** `PeerOptions.callerIdentity` when set, else `identity` (kept for older handlers; prefer `identity`). */
  readonly callerIdentity: unknown;
}

/**
 * A handler: named params in, result out (a value or a promise).
 *
 * Callback params arrive as functions (see `ExportOptions.callbacks`),
 * iterable params as `AsyncIterable`s. A multipart handler returns an
 * `Iterable` or `AsyncIterable` (or a promise of one), each item becoming
 * one part. Throw `SparrowError('invalid-params', ...)` for bad params; any
 * other error reaches the caller as a callee error (see `toWireError`).
 */
export type Handler = (params: Params, ctx: CallContext) => unknown;

/** Options of one exported target. */
export interface ExportOptions {
  /** Wire namespace; default "" (the reference's default namespace). `#sys` is reserved. */
  namespace?: string;
  /** The handler returns an iterable whose items go out as a multipart response (`pm`…`pmt`, §7.7). */
  multipart?: boolean;
  /** Style of each callback param's proxy, by param name; default `notification` (what the reference's demos use). */
  callbacks?: Readonly<Record<string, CallbackStyle>>;
  /**
   * The `@auth` hook: runs first, before the params are looked at; throw
   * (or reject) to refuse the call, typically with `permission-denied`.
   */
  guard?: (ctx: CallContext) => void | Promise<void>;
  /**
   * The validation hook: turns the wire params into the handler's params
   * (after `guard`); throw `invalid-params` to refuse the call.
   */
  decodeParams?: (params: Params, ctx: CallContext) => Params;
  /**
   * The `@auth` groups: without a `guard` of its own, a caller whose
   * `ctx.identity` is in none of them is refused with `permission-denied`;
   * `#sys.describe` lists the target only to callers in one of them.
   */
  auth?: readonly string[];
  /**
   * Peer features this target needs (`streamsFeature` for a multipart
   * target, `callbacksFeature` for callback or iterable params): a peer
   * made without them installs them when the target is first called.
   * Peers made by `createPeer` have every feature already.
   */
  features?: readonly PeerFeature[];
}

/** One exported target, as stored. */
export interface Registration {
  readonly namespace: string;
  readonly name: string;
  readonly handler: Handler;
  readonly multipart: boolean;
  readonly callbacks: Readonly<Record<string, CallbackStyle>> | undefined;
  readonly guard?: ((ctx: CallContext) => void | Promise<void>) | undefined;
  readonly decodeParams?: ((params: Params, ctx: CallContext) => Params) | undefined;
  readonly auth?: readonly string[] | undefined;
  readonly features?: readonly PeerFeature[] | undefined;
}

/** A set of exported targets, looked up by namespace then name. */
export interface Registry {
  /**
   * Registers `handler` as `name` in `options.namespace`.
   * Returns a function that removes the registration again.
   * @throws SparrowError `unsupported` for the reserved `#sys` namespace,
   *   `invalid-state` when the name is already exported in that namespace.
   */
  export(name: string, handler: Handler, options?: ExportOptions): () => void;
  /** The registration for a target, or `undefined`. */
  lookup(namespace: string, name: string): Registration | undefined;
  /** Every registration, in registration order per namespace. */
  entries(): IterableIterator<Registration>;
  /**
   * The part that answers this registry's targets: a peer given the
   * registry installs it. `createRegistry`'s registries carry the
   * dispatcher; a registry without one needs a peer that has it.
   */
  readonly dispatcher?: PeerFeature | undefined;
}

/**
 * An optional part of a peer (streams, callbacks): a module the peer is
 * given, so a bundle that never names it leaves it out. `install` runs once
 * per peer; the peer keeps what it returns under `key`.
 */
export interface PeerFeature {
  /** The slot the part fills ("streams", "callbacks"). */
  readonly key: string;
  /** Extension names (`#sys.features`) the peer reports once the part is installed. */
  readonly extensions: readonly string[];
  /** Builds the part for one peer (the argument is the peer's internal wiring, see `peer-core.ts`). */
  install(core: never): unknown;
}

/** Options of `createPeer`. Every limit has a safe default. */
export interface PeerOptions {
  /** Targets shared with other peers (for example every connection of a listener); consulted after the peer's own exports. */
  registry?: Registry;
  /** Envelope serialiser for calls this side starts before the other side has called (§8). Default `j`, as the reference's connector. */
  serialiser?: SerialiserCode;
  /** Chain layout for calls this side starts before the other side has called. Default `0.1.2`. */
  layout?: ChainLayout;
  /** Default timeout of every call, in ms. `0` or `Infinity` = none. Default 30 000. */
  timeoutMs?: number;
  /** Max requests this side may have pending; a call beyond it rejects with `limit-exceeded`. Default 10 000. */
  maxPendingCalls?: number;
  /**
   * Max handlers running at once for the other side. A request beyond it is
   * answered at once with `x {cat: "r", type: "LimitExceeded"}` (never
   * queued); a notification beyond it is dropped with a warning. Default 1 000.
   */
  maxConcurrentHandlers?: number;
  /** Max unread parts buffered per multipart stream; beyond it the stream fails with `limit-exceeded`. Default 10 000. */
  maxStreamBuffer?: number;
  /**
   * Max encoded bytes of the unread parts buffered per multipart stream
   * (what the other side sent, as it came); beyond it the stream fails with
   * `limit-exceeded`. A flow-controlled stream is paced by it first (grants
   * stop at half). Default 64 MiB (`DEFAULT_MAX_STREAM_BUFFER_BYTES`).
   */
  maxStreamBufferBytes?: number;
  /**
   * Largest message this side sends, in bytes: the encoded chain, measured
   * exactly by `createMessageLink`'s links (other links: the payload as
   * estimated before encoding, bytes and strings at their length). A call,
   * result, part or callback over it fails with `limit-exceeded` and
   * nothing is sent. Default
   * `DEFAULT_MAX_MESSAGE_BYTES` (just under the reference's 10 MiB chain
   * limit); raise it only when the other side's limit is known to be higher.
   */
  maxMessageBytes?: number;
  /** Where diagnostics go. Default: warnings and errors to the console. */
  logger?: Logger;
  /**
   * Rate limit of the lines logged about what the other side sent wrong
   * (one line each, no stack). Default: CONNECTION_LOG_LINES per
   * LOG_WINDOW_MS for this peer; a listener chains its peers' limiters to
   * one of its own (LISTENER_LOG_LINES). Drawn on by the log limiter part
   * (`logLimitFeature`, which `createPeer` and the Node endpoints' peers
   * have): without it the peer is refused with `unsupported`.
   */
  protocolLogLimiter?: LogLimiter;
  /** Passed to every handler as `ctx.callerIdentity` (older API: prefer `authenticate` and `ctx.identity`). */
  callerIdentity?: unknown;
  /**
   * Session (docs/security.md): establishes `ctx.identity` for the other
   * side. Requests other than `#sys.features`, `#sys.ping` and `#sys.hello`
   * wait until it has run, on `#sys.hello` or on the first other request.
   */
  authenticate?: Authenticate;
  /** Session: the credential sent in `#sys.hello`, only to a peer whose `#sys.features` lists `hello`. */
  credentials?: unknown;
  /**
   * Session: sends `#sys.ping` every `heartbeatMs` to a peer whose
   * `#sys.features` lists `heartbeat`, and closes the connection when it
   * stays silent two intervals (pending calls fail with `connection-closed`).
   * Default: off.
   */
  heartbeatMs?: number;
  /** What the transport knows about the other end (set by the endpoints; read by `authenticate`). */
  connection?: ConnectionFacts | undefined;
  /**
   * Answer exceptions that are not `SparrowError`s with their message
   * (default true, as the reference does). `false`: the caller gets a generic
   * message with an id, and the exception is logged here with that id.
   */
  exposeErrors?: boolean;
  /** Answer `#sys.describe` (default true; it lists only what the caller may call). */
  describe?: boolean;
  /**
   * The optional parts this peer has from the start (`streamsFeature`,
   * `callbacksFeature`). `createPeer` and the Node endpoints give every
   * part; a browser `openPeer` gives none, and a generated client or
   * `registerService` adds what its schema uses.
   */
  features?: readonly PeerFeature[];
  /**
   * Middleware around every call this peer makes and answers (see
   * `Interceptor`; docs/interceptors.md). The first runs first (outermost).
   * `#sys` traffic is not intercepted. Default: none.
   */
  interceptors?: readonly Interceptor[];
}

/** Options of one call. */
export interface CallOptions {
  /** Target namespace; default "". */
  namespace?: string;
  /** Overrides the peer's default timeout, in ms. `0` or `Infinity` = none. */
  timeoutMs?: number;
  /** Aborting rejects the call with `aborted` (and cancels it remotely when the other side supports `cancel`). */
  signal?: AbortSignal;
  /** Quiet request (`rq`, §7.4): the callee answers without a result; the call resolves with `undefined`. */
  quiet?: boolean;
  /** Ask for an acknowledge (`ra`, §7.5): called once when the callee confirms delivery. The call still resolves with the result. */
  onAck?: () => void;
  /** How each param travels (see `ParamKind`); params not listed are detected. Generated clients pass their schema's kinds. */
  paramKinds?: Readonly<Record<string, ParamKind>>;
  /**
   * Maps the result before the call resolves; a throw rejects the call with
   * what it threw. Generated clients decode and validate results here,
   * which saves the extra promise a `.then()` would cost per call.
   */
  mapResult?: (result: unknown) => unknown;
  /** Maps a failure before the call rejects (generated clients revive declared error classes here). */
  mapError?: (error: SparrowError) => unknown;
}

/** Options of a multipart call. */
export interface StreamOptions {
  namespace?: string;
  /** Idle timeout: the longest wait for the next part, in ms. `0` or `Infinity` = none. Default: the peer's timeout. */
  timeoutMs?: number;
  /** Aborting fails the stream with `aborted` and cancels it as `cancel()` does. */
  signal?: AbortSignal;
  onAck?: () => void;
  paramKinds?: Readonly<Record<string, ParamKind>>;
  /** Overrides `PeerOptions.maxStreamBuffer` for this stream. */
  maxBuffer?: number;
  /** Overrides `PeerOptions.maxStreamBufferBytes` for this stream. */
  maxBufferBytes?: number;
  /**
   * Flow-control window (`#sys.credit`): at most this many parts are unread
   * or in flight, so a fast callee is paced to this consumer. Applies only
   * once `remoteFeatures()` has reported `credit` (a reference peer never
   * sees a grant). Default `DEFAULT_STREAM_WINDOW` (4096), capped at the
   * stream's `maxBuffer`; `Infinity` turns flow control off for this stream.
   */
  window?: number;
  /**
   * A subscription (a topic): on a reconnecting peer (`connectPeer(url,
   * { reconnect })`) a drop does not end the stream; it is opened again on
   * the next connection and waits for it without a timeout (values sent
   * meanwhile are lost). Other peers ignore it. Generated topic
   * subscribers set it.
   */
  resubscribe?: boolean;
}

/** Options of a notification. */
export interface NotifyOptions {
  namespace?: string;
}

/**
 * The caller's side of a multipart response (§7.7): an async iterator over
 * the parts. Parts that arrive before they are read wait in a buffer bounded
 * by `maxBuffer`.
 */
export interface CallStream<T> extends AsyncIterableIterator<T, undefined, undefined> {
  /**
   * Stops the stream: further parts are ignored, a pending `next()` resolves
   * as done, and the remote side is told with `#sys.cancel` when it
   * supports that. Same as `return()`; idempotent.
   */
  cancel(): void;
  /**
   * The next item without waiting: its result when one is buffered (or
   * `done` once the stream has ended cleanly), `undefined` when `next()`
   * would have to wait (for a part, or for a credit grant to leave first) or
   * is about to reject. Lets a wrapper hand over buffered items without a
   * promise each.
   */
  tryNext(): IteratorResult<T, undefined> | undefined;
}

/** One side of a connection. Both sides are equal: either may call, notify and export. */
export interface Peer {
  /** The other end, for logs. */
  readonly remote: string;
  /** True once the peer closed (locally or because the connection ended). */
  readonly isClosed: boolean;
  /** Resolves (never rejects) once the peer has closed and every pending call has failed. */
  readonly closed: Promise<void>;
  /** The format this side currently starts calls in (§8: the connector's defaults, then whatever the other side's last top-level call used). */
  readonly format: Readonly<WireFormat>;
  /** Requests sent and not yet answered (calls, streams, callback requests, pulls). */
  readonly pendingCount: number;
  /** Handlers currently running for the other side. */
  readonly activeHandlerCount: number;

  /**
   * Exports a target on this peer only (a shared `PeerOptions.registry`
   * exports to many). Returns a function that removes it.
   * @throws SparrowError `unsupported` for `#sys`, `invalid-state` for a duplicate.
   */
  export(name: string, handler: Handler, options?: ExportOptions): () => void;

  /**
   * Calls `target` with named params and resolves with its result
   * (`undefined` when the response carries no result part).
   *
   * Rejects with a `SparrowError`: `invalid-params`, `target-not-found`,
   * `permission-denied`, `limit-exceeded` (remote overload), `caller-error`,
   * `callee-error` (with `remoteType` and `data`) as the callee answered;
   * `timeout`; `aborted`; `connection-closed`; `limit-exceeded` when
   * `maxPendingCalls` is reached; `invalid-params` for a bad option or
   * param kind; `serialisation-error` when the request cannot be encoded;
   * `protocol-error` when the callee answered with a multipart response
   * (a `ResponseKindError`); `unsupported` for callback or iterable
   * params on a peer without `callbacksFeature`.
   */
  call<T = unknown>(target: string, params?: Params, options?: CallOptions): Promise<T>;

  /**
   * Calls a multipart target (§7.7) and returns its parts as they arrive.
   * The request goes out at once. Stop early with `break`, `return()`,
   * `cancel()` or the signal. The iterator rejects with the same codes as
   * `call`, plus `limit-exceeded` when more than `maxBuffer` parts are unread,
   * `protocol-error` (a `ResponseKindError`) when the callee answered
   * with one response, and `unsupported` on a peer without `streamsFeature`.
   */
  callStream<T = unknown>(target: string, params?: Params, options?: StreamOptions): CallStream<T>;

  /**
   * Sends a notification (`n`): never answered, even when the target does
   * not exist (§7.3).
   * @throws SparrowError `connection-closed` when closed, `serialisation-error` when the params cannot be encoded.
   */
  notify(target: string, params?: Params, options?: NotifyOptions): void;

  /**
   * The extension names the other side supports (`#sys.features`), asked
   * once and cached. A reference peer has none: any failure reads as the
   * empty set. Cancellation is sent only after this reported `cancel`.
   * Rejects with `unsupported` on a peer without the discovery part
   * (`discoveryFeature`; a browser page that names none).
   */
  remoteFeatures(): Promise<ReadonlySet<string>>;

  /** Registers a listener for the close; it gets the `connection-closed` error. Returns an unsubscribe function. */
  onClose(listener: (reason: SparrowError) => void): () => void;

  /** Closes the connection; pending calls fail with `connection-closed`. Idempotent. */
  close(): void;
}

/** What kind of call is intercepted. */
export type InterceptedKind =
  /** A request answered by one response (`Peer.call`, an incoming request, a callback in request style). */
  | 'call'
  /** A multipart call (`Peer.callStream`, an incoming multipart request, a topic subscription). */
  | 'stream'
  /** A notification: never answered (`Peer.notify`, an incoming notification, a callback in notification style). */
  | 'notify';

/** One call as interceptors see it. One object per intercepted call, shared along the chain. */
export interface InterceptedCall {
  /** `outgoing`: this side calls; `incoming`: the other side called. */
  readonly direction: 'outgoing' | 'incoming';
  readonly kind: InterceptedKind;
  /** The target name as on the wire. */
  readonly target: string;
  /** The namespace ("" is the default namespace). */
  readonly namespace: string;
  /**
   * The named params (callback params are functions, iterable params
   * iterables). An interceptor may replace them before `next()`.
   */
  params: Params;
  /**
   * Who the other side is, when an authentication layer established it
   * (incoming: the handler context's `identity`); `undefined` otherwise and
   * for outgoing calls.
   */
  readonly identity: unknown;
  /**
   * A per-call bag, local to this side (nothing in it is sent: the protocol
   * has no per-call header). It starts with `remote` and, for incoming
   * calls, the request `id`; interceptors add what later ones (or the
   * handler, through `context`) should see: a trace id, a start time.
   */
  readonly metadata: Record<string, unknown>;
  /** The peer of the connection. */
  readonly peer: Peer;
  /** Incoming only: the handler's context (its `signal`, `format`, `callerIdentity`). */
  readonly context: CallContext | undefined;
  /** Incoming only: set when this is a callback into one of this side's pending calls (the request id it belongs to). */
  readonly callbackOf: MessageId | undefined;
}

/**
 * Runs the rest of the chain. It resolves with the result of a `call`, and
 * when a `stream` has ended (with `undefined`; its items go to the consumer
 * or the caller, not through the chain), or when a `notify` is sent
 * (outgoing) or handled (incoming). It rejects with the call's error. Call
 * it at most once.
 */
export type InterceptorNext = () => Promise<unknown>;

/**
 * One interceptor: either method may be left out. What `outgoing` or
 * `incoming` returns (or its promise resolves with) is the call's result;
 * what it throws is the call's error (answered to the other side for an
 * incoming call, so throw `SparrowError` with `permission-denied` to refuse
 * one). For streams and notifications only a refusal (a throw before
 * `next()`) changes anything; what the method returns afterwards is ignored.
 */
export interface Interceptor {
  outgoing?(call: InterceptedCall, next: InterceptorNext): unknown;
  incoming?(call: InterceptedCall, next: InterceptorNext): unknown;
}
