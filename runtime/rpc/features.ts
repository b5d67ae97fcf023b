/**
 * The seams between the peer's core and its optional parts (the
 * dispatcher, the `#sys` basics, discovery, streams, callbacks, session,
 * interceptors, the log limiter): what the core asks of a part, and what a part may use
 * of the core.
 * Interfaces only, so the core can hold a part without importing it: a
 * bundle whose code never names `streamsFeature` or `dispatcherFeature`
 * leaves their modules out.
 */
import type { CallbackDeclarations, IncomingMessage, MessageId, MessageLinkHandlers, NotificationMessage, Params, RequestMessage, WireFormat } from '../envelope/message.ts';
import type { SparrowError } from '../errors.ts';
import type { CallTable } from './call-table.ts';
import type { IncomingCall } from './incoming-call.ts';
import type { Logger } from './logger.ts';
import type { Outbox } from './outbox.ts';
import type { CallLocals } from './pending-call.ts';
import type { CallbackStyle, CallStream, ExportOptions, Handler, Identity, InterceptedKind, ParamKind, Peer, PeerFeature, PeerOptions, StreamOptions } from './types.ts';

/** A decoded message with the format it arrived in. */
export type Incoming<M extends IncomingMessage | RequestMessage | NotificationMessage> = M & { format: WireFormat };

/** The streams part: multipart calls and answers, credit and batches. */
export interface StreamsPart {
  /** `Peer.callStream`. */
  callStream<T>(target: string, params: Params | undefined, options: StreamOptions): CallStream<T>;
  /** Sends what a multipart handler returned as parts, then the terminator. */
  answer(call: IncomingCall, result: unknown): Promise<void>;
  /** A request starts: takes the credit granted for it before it arrived (only a multipart answer is paced). */
  claimGrant(call: IncomingCall, multipart: boolean): void;
  /** `#sys.credit {id, n, [batch]}`. */
  onCredit(id: MessageId, n: number, batch: boolean): void;
}

/** The callbacks part: callback and iterable params, on both sides. */
export interface CallbacksPart {
  /** Caller side: fills `message.params`/`declarations`; returns what the callee may reach with `c`. */
  prepare(message: RequestMessage, params: Params, kinds: Readonly<Record<string, ParamKind>> | undefined): CallLocals | undefined;
  /** Callee side: replaces every declared name in `params` with its proxy bound to `call`. */
  bind(params: Params, declarations: CallbackDeclarations, call: IncomingCall): Params;
  /** A request with `c`: the callee of our pending call calls back, or pulls an iterable. */
  onRequest(message: Incoming<RequestMessage>): void;
  /** A notification with `c`. */
  onNotification(message: Incoming<NotificationMessage>): void;
}

/** The session part (session.ts): features, hello and authentication, heartbeat, close reasons. */
export interface SessionPart {
  /** Who the other side is (see `CallContext.identity`). */
  readonly identity: Identity | undefined;
  /**
   * The link's handlers as the session passes them on: every incoming
   * message passes the session first (held until authenticated, answered
   * or consumed), a clean close after the other side's `#sys.close` carries
   * its reason, and the link's last word is this side's reason. Asked once,
   * when the peer starts its link: the part is given at construction
   * (`PeerOptions.features`), as its options are.
   */
  guard(handlers: MessageLinkHandlers): MessageLinkHandlers;
  /**
   * The handshake, once: `#sys.features` (when `credentials` or
   * `heartbeatMs` is set), the heartbeat, then, when `sayHello` (the
   * connecting side), `#sys.hello`. Rejects with `permission-denied` when
   * `authenticate` refused the credential.
   */
  ready(sayHello?: boolean): Promise<void>;
  /** True once the other side listed `extension` (in `#sys.features` or its `#sys.hello`). */
  remoteListed(extension: string): boolean;
  /** Tells the other side why, when it listed `close-reason`; nothing otherwise. */
  sendReason(code: string, message: string): void;
  /** `sendReason`, then closes the connection with `message` as the close's cause. */
  closeWithReason(code: string, message: string): void;
}

/** The dispatcher part (dispatcher.ts): what the core and the other parts ask of it. */
export interface DispatchApi {
  /** Handlers running for the other side now. */
  readonly activeHandlerCount: number;
  /** `Peer.export`: into the peer's own registry. */
  export(name: string, handler: Handler, options?: ExportOptions): () => void;
  /** A request without `c`. */
  onRequest(message: Incoming<RequestMessage>): void;
  /** A notification without `c`. */
  onNotification(message: Incoming<NotificationMessage>): void;
  /** The peer closed: running calls are aborted, and calls that start later are aborted at once. */
  abortAll(reason: SparrowError): void;
  /** Runs `handler` for a request and answers it (limits, ack, params checks included). */
  startRequest(message: Incoming<RequestMessage>, handler: Handler, namespace: string, multipart: boolean, callbackStyles: Readonly<Record<string, CallbackStyle>> | undefined): void;
  /** Runs `handler` for a notification (never answered). */
  startNotification(message: Incoming<NotificationMessage>, handler: Handler, namespace: string): void;
  /** The running call of the other side's request `id` (only calls that outlive a tick). */
  incomingCall(id: MessageId): IncomingCall | undefined;
}

/**
 * The interceptors part (interceptors.ts), installed only when
 * `PeerOptions.interceptors` lists some. Installing it wraps the peer's own
 * `call`, `callStream` and `notify` in the outgoing chain, so a peer without
 * interceptors calls straight through; the dispatcher runs incoming calls here.
 */
export interface InterceptorsPart {
  /** An incoming call through the incoming chain; `last` runs the guard and the handler with the (possibly replaced) params. */
  incoming(kind: InterceptedKind, call: IncomingCall, params: Params, callbackOf: MessageId | undefined, last: (params: Params) => Promise<unknown>): Promise<unknown>;
}

/** The system part (`systemFeature`, system-service.ts): the `#sys` basics of a peer without the dispatcher. */
export interface SystemPart {
  /** A request nothing else serves: `#sys.ping`, `#sys.features` and `#sys.describe` answered, anything else not-found. */
  onRequest(message: Incoming<RequestMessage>): void;
}

/** The discovery part (`discoveryFeature`, discovery.ts): the other side's extensions. */
export interface DiscoveryPart {
  /** `Peer.remoteFeatures()`: `#sys.features`, asked once and cached; any failure reads as the empty set. */
  features(): Promise<ReadonlySet<string>>;
  /** True once `features()` reported `extension`. */
  has(extension: string): boolean;
}

/** The log limiter part (`logLimitFeature`, peer.ts): which protocol-error lines this connection writes. */
export interface LogLimitPart {
  /** `line` as it is to be logged (saying how many lines were dropped before it), or undefined when it is dropped. */
  limit(line: string): string | undefined;
}

/** The parts a peer has, by key (a feature's `key`). */
export interface PeerParts {
  dispatcher?: DispatchApi;
  system?: SystemPart;
  discovery?: DiscoveryPart;
  streams?: StreamsPart;
  callbacks?: CallbacksPart;
  session?: SessionPart;
  interceptors?: InterceptorsPart;
  /** This connection's limiter of protocol-error lines (`logLimitFeature`, peer.ts). */
  logLimit?: LogLimitPart;
}

/**
 * The peer's wiring, as its parts see it. Requests and notifications go
 * out through outgoing.ts (`sendRequest`, `sendNotification`), which reads
 * what it needs here.
 */
export interface PeerCore {
  readonly peer: Peer;
  readonly outbox: Outbox;
  /** The outgoing calls; also the owner that cancels their entries. */
  readonly calls: CallTable;
  /** The parts installed so far (read at each use: parts are installed late). */
  readonly parts: Readonly<PeerParts>;
  /** The features installed so far, in order (`peerExtensions` reports theirs). */
  readonly installed: ReadonlySet<PeerFeature>;
  /** Installs the parts `features` add (once each). */
  use(features: readonly PeerFeature[]): void;
  readonly logger: Logger;
  /** The format this side starts calls in (§8). */
  readonly format: Readonly<WireFormat>;
  readonly isClosed: boolean;
  /** The options the peer was made with (parts read their settings here). */
  readonly options: PeerOptions;
  /** Closes the connection now: pending calls, streams and callbacks fail with `connection-closed` carrying `reason`. */
  terminate(reason: SparrowError): void;
  /** The reason of a close, in the one wording every close uses: `connection to <remote> <how>`. */
  closing(how: string, cause?: Error): SparrowError;
  /** `connection-closed` for `target`, with the close's cause. */
  closedError(target: string): SparrowError;
}

/** Defines a feature whose part is built by `install`. */
export function defineFeature<K extends keyof PeerParts>(key: K, extensions: readonly string[], install: (core: PeerCore) => PeerParts[K]): PeerFeature {
  return Object.freeze({ key, extensions: Object.freeze([...extensions]), install: install as (core: never) => unknown });
}
