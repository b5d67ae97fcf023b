/**
 * The peer: one per connection, both sides equal (PROTOCOL.md §7). Either
 * side calls what the other exported; calls, callbacks, multipart responses
 * and iterable params all travel over one `MessageLink`.
 *
 * This file only wires the parts together and routes (§7.1): a request or
 * notification without `c` goes to the dispatcher; responses, exceptions
 * and acks go to the call table by the id they answer; callback requests
 * and notifications (with `c`) go to the callbacks part. The dispatcher,
 * streams, callbacks, session, interceptors and the log limiter are parts
 * (`PeerFeature`), installed from `PeerOptions.features`, by a registration
 * or registry that needs them, or by a generated client; the core never
 * imports them. Without the dispatcher a peer still answers every request
 * (`answerUnserved`: not-found, and the `#sys` basics).
 *
 * Nothing the other side sends can throw out of the peer: every incoming
 * message is handled inside a try/catch, handlers run inside async
 * functions, and anything unexpected is logged and dropped.
 */
import type { IncomingMessage, MessageId, MessageLink, NotificationMessage, Params, RequestMessage, WireFormat } from '../envelope/message.ts';
import { ErrorCode, SparrowError } from '../errors.ts';
import { CallTable, DEFAULT_MAX_PENDING_CALLS, DEFAULT_TIMEOUT_MS, PendingCall, checkTimeout, type PendingEntry } from './call-table.ts';
import { dispatcherFeature } from './dispatcher.ts';
import { interceptorsFeature } from './interceptors.ts';
import { detectParamKind } from './guards.ts';
import type { Incoming, PeerCore, PeerParts, SessionPart } from './features.ts';
import { consoleLogger, type Logger } from './logger.ts';
import { checkDecoded } from '../serialisation/depth.ts';
import { DEFAULT_MAX_DEPTH } from '../serialisation/serialiser.ts';
import { Outbox } from './outbox.ts';
import { SYSTEM_NAMESPACE } from './map-registry.ts';
import { answerUnserved } from './system-service.ts';
import type { CallOptions, CallStream, ExportOptions, Handler, Identity, NotifyOptions, Peer, PeerFeature, PeerOptions, StreamOptions } from './types.ts';

/** Default limit of unread multipart parts buffered per stream. */
export const DEFAULT_MAX_STREAM_BUFFER = 10_000;
/**
 * Default largest message this side sends (`PeerOptions.maxMessageBytes`):
 * the reference receiver's 10 MiB chain limit less room for the envelope
 * and part headers. A bigger value fails locally with `limit-exceeded`
 * instead of making the other side drop the connection.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024 - 4096;

function checkLimit(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(value >= 1)) throw new SparrowError(ErrorCode.InvalidParams, `${name} must be a positive number`);
  return value;
}

function unsupported(target: string, feature: string): SparrowError {
  return new SparrowError(ErrorCode.Unsupported, `${target}: this peer has no ${feature} part (give it ${feature}Feature, or use createPeer)`);
}

/** A stream that fails at its first read: `callStream` on a peer without the streams part. */
function failedStream<T>(error: SparrowError): CallStream<T> {
  let failed = false;
  const done = (): Promise<IteratorResult<T, undefined>> => Promise.resolve({ done: true, value: undefined });
  return {
    next: () => (failed ? done() : ((failed = true), Promise.reject(error))),
    return: done,
    tryNext: () => undefined,
    cancel: () => void (failed = true),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

class PeerImpl implements Peer, PeerCore {
  readonly remote: string;
  readonly closed: Promise<void>;
  readonly peer: Peer = this;
  readonly outbox: Outbox;
  readonly calls: CallTable;
  readonly logger: Logger;
  readonly maxStreamBuffer: number;
  /** The parts installed so far, by key. */
  readonly parts: PeerParts = {};
  readonly options: PeerOptions;
  readonly #link: MessageLink;
  readonly #defaultTimeoutMs: number;
  readonly #maxPendingCalls: number;
  readonly #installed = new Set<PeerFeature>();
  /** Parts this peer may install when something needs them (`createCorePeer`: the dispatcher). */
  readonly #onDemand: readonly PeerFeature[];
  #channelFormat: WireFormat;
  #remoteFeatureSet: Promise<ReadonlySet<string>> | undefined = undefined;
  #remoteExtensions: ReadonlySet<string> = new Set();
  #closeReason: SparrowError | undefined = undefined;
  #closeListeners: Set<(reason: SparrowError) => void> | undefined = undefined;
  #resolveClosed!: () => void;

  constructor(link: MessageLink, options: PeerOptions, onDemand: readonly PeerFeature[]) {
    this.#link = link;
    this.#onDemand = onDemand;
    this.options = options;
    this.remote = link.remote;
    this.logger = options.logger ?? consoleLogger;
    this.#defaultTimeoutMs = checkTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.#maxPendingCalls = checkLimit('maxPendingCalls', options.maxPendingCalls, DEFAULT_MAX_PENDING_CALLS);
    this.maxStreamBuffer = checkLimit('maxStreamBuffer', options.maxStreamBuffer, DEFAULT_MAX_STREAM_BUFFER);
    this.outbox = new Outbox(link, checkLimit('maxMessageBytes', options.maxMessageBytes, DEFAULT_MAX_MESSAGE_BYTES), this.logger);
    this.calls = new CallTable((entry, error) => this.cancelEntry(entry, error));
    this.#channelFormat = { layout: options.layout ?? '0.1.2', serialiser: options.serialiser ?? 'j', protocol: '.5' };
    if (options.features !== undefined) this.use(options.features);
    // A registry made by createRegistry carries the dispatcher that answers it.
    const registry = options.registry;
    if (registry !== undefined) {
      if (registry.dispatcher !== undefined) this.use([registry.dispatcher]);
      this.#need('dispatcher', 'registry');
    }
    if (options.interceptors !== undefined && options.interceptors.length > 0) this.#need('interceptors', 'interceptors');
    // Fail closed: an `authenticate` hook nobody runs would let everyone in.
    if ((options.authenticate !== undefined || options.credentials !== undefined || options.heartbeatMs !== undefined) && this.parts.session === undefined) {
      throw new SparrowError(ErrorCode.InvalidParams, 'authenticate, credentials and heartbeatMs need the session part (give the peer sessionFeature, or use the Node endpoints)');
    }
    this.closed = new Promise<void>((resolve) => {
      this.#resolveClosed = resolve;
    });
    // Last: the link may deliver buffered messages synchronously.
    link.start({
      onMessage: (message) => this.#receive(message),
      onProtocolError: (error, fatal) => this.#onProtocolError(error, fatal),
      onClose: (error) => this.#onLinkClose(error),
      // Never cut for idleness while calls, handlers (streams, subscriptions, callbacks) are in flight.
      isBusy: () => this.calls.size > 0 || this.activeHandlerCount > 0,
      // The link's last word before it closes on its own: the reason, to a peer that listed close-reason.
      onClosing: (code, error) => this.parts.session?.sendReason(code, error.message),
    });
  }

  get isClosed(): boolean {
    return this.#closeReason !== undefined;
  }

  get format(): Readonly<WireFormat> {
    return this.#channelFormat;
  }

  get pendingCount(): number {
    return this.calls.size;
  }

  get activeHandlerCount(): number {
    return this.parts.dispatcher?.activeHandlerCount ?? 0;
  }

  /** Installs the parts `features` add (once each). */
  use(features: readonly PeerFeature[]): void {
    for (const feature of features) {
      if (this.#installed.has(feature)) continue;
      this.#installed.add(feature);
      const part = (feature.install as (core: PeerCore) => unknown)(this);
      (this.parts as Record<string, unknown>)[feature.key] = part;
    }
  }

  /**
   * The part `key` that `what` needs: installed already, else one this
   * peer makes on demand, else the platform's (see `setDefaultPeerFeatures`).
   * @throws SparrowError `unsupported` when none has it.
   */
  #need<K extends keyof PeerParts>(key: K, what: string): NonNullable<PeerParts[K]> {
    if (this.parts[key] === undefined) {
      const feature = [...this.#onDemand, ...defaultFeatures].find((f) => f.key === key);
      if (feature !== undefined) this.use([feature]);
    }
    const part = this.parts[key];
    if (part === undefined) throw unsupported(what, key);
    return part;
  }

  /** Who the other side is (the session part's verdict). */
  get identity(): Identity | undefined {
    return this.parts.session?.identity;
  }

  /** `#sys.features`: the core's extensions plus the installed parts', sorted. */
  extensions(): string[] {
    const names = this.options.describe === false ? ['cancel'] : ['cancel', 'describe'];
    for (const feature of this.#installed) names.push(...feature.extensions);
    return [...new Set(names)].sort();
  }

  remoteHas(extension: string): boolean {
    return this.#remoteExtensions.has(extension);
  }

  export(name: string, handler: Handler, options?: ExportOptions): () => void {
    return (this.parts.dispatcher ?? this.#need('dispatcher', 'export')).export(name, handler, options);
  }

  call<T = unknown>(target: string, params?: Params, options: CallOptions = {}): Promise<T> {
    const chain = this.parts.interceptors;
    if (chain !== undefined) return chain.call(target, params, options, (p) => this.#directCall(target, p, options)) as Promise<T>;
    return this.#directCall<T>(target, params, options);
  }

  #directCall<T>(target: string, params: Params | undefined, options: CallOptions): Promise<T> {
    const entry = new PendingCall(this, target, options.mapResult, options.mapError, options.quiet === true);
    this.request(entry, target, params, options, undefined);
    return entry.promise as Promise<T>;
  }

  callStream<T = unknown>(target: string, params?: Params, options: StreamOptions = {}): CallStream<T> {
    const chain = this.parts.interceptors;
    if (chain !== undefined) return chain.stream(target, params, options, (p) => this.#directStream<T>(target, p, options));
    return this.#directStream<T>(target, params, options);
  }

  #directStream<T>(target: string, params: Params | undefined, options: StreamOptions): CallStream<T> {
    const streams = this.parts.streams;
    return streams === undefined ? failedStream(unsupported(target, 'streams')) : streams.callStream<T>(target, params, options);
  }

  notify(target: string, params?: Params, options: NotifyOptions = {}): void {
    const chain = this.parts.interceptors;
    if (chain !== undefined) return chain.notify(target, params, options, (p) => this.#directNotify(target, p, options));
    this.#directNotify(target, params, options);
  }

  #directNotify(target: string, params: Params | undefined, options: NotifyOptions): void {
    if (this.#closeReason !== undefined) throw this.closedError(target);
    // {n: target, [s: namespace]} [params]: always with a params part (§6: Python requires it).
    const message: NotificationMessage = { kind: 'notification', target, params: params ?? {} };
    if (options.namespace !== undefined && options.namespace !== '') message.namespace = options.namespace;
    if (!this.outbox.sendOrThrow(message, this.#channelFormat)) throw this.outbox.tooBigError(target);
  }

  remoteFeatures(): Promise<ReadonlySet<string>> {
    this.#remoteFeatureSet ??= this.call('features', undefined, { namespace: SYSTEM_NAMESPACE }).then(
      (list) => (this.#remoteExtensions = new Set(Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : [])),
      (): ReadonlySet<string> => new Set<string>(),
    );
    return this.#remoteFeatureSet;
  }

  onClose(listener: (reason: SparrowError) => void): () => void {
    if (this.#closeReason !== undefined) {
      const reason = this.#closeReason;
      queueMicrotask(() => listener(reason));
      return () => {};
    }
    (this.#closeListeners ??= new Set()).add(listener);
    return () => this.#closeListeners?.delete(listener);
  }

  close(): void {
    if (this.#closeReason !== undefined) return;
    this.terminate(new SparrowError(ErrorCode.ConnectionClosed, `connection to ${this.remote} was closed by this side`));
  }

  request(
    entry: PendingEntry,
    target: string,
    params: Params | undefined,
    options: CallOptions | StreamOptions,
    callbackOf: MessageId | undefined,
    beforeSend?: (id: number) => void,
  ): void {
    if (this.#closeReason !== undefined) return entry.fail(this.closedError(target));
    if (this.calls.size >= this.#maxPendingCalls) {
      return entry.fail(new SparrowError(ErrorCode.LimitExceeded, `${target}: ${this.#maxPendingCalls} calls are already pending`));
    }
    const signal = options.signal;
    if (signal?.aborted === true) return entry.fail(new SparrowError(ErrorCode.Aborted, `${target} was aborted`, { cause: signal.reason }));
    let timeout: number;
    try {
      timeout = options.timeoutMs === undefined ? this.#defaultTimeoutMs : checkTimeout(options.timeoutMs);
    } catch (error) {
      return entry.fail(error as SparrowError);
    }
    const id = this.calls.takeId();
    entry.id = id;
    // {r[a][q]: target, i: id, [c], [s]} [params] [{#cb, #icb}]
    const quiet = (options as CallOptions).quiet === true;
    const message: RequestMessage = { kind: 'request', id, target, requestType: quiet ? 'quiet' : 'normal', ack: options.onAck !== undefined };
    if (options.namespace !== undefined && options.namespace !== '') message.namespace = options.namespace;
    if (callbackOf !== undefined) message.callbackOf = callbackOf;
    if (params !== undefined) {
      try {
        const callbacks = this.parts.callbacks;
        if (callbacks !== undefined) entry.locals = callbacks.prepare(message, params, options.paramKinds);
        else plainParams(message, params, options.paramKinds, target);
      } catch (error) {
        return entry.fail(SparrowError.from(error, ErrorCode.InvalidParams));
      }
      try {
        // The receiver's nesting limit, checked here: a call it would refuse fails locally, with its code.
        checkDecoded(params, DEFAULT_MAX_DEPTH, false);
      } catch (error) {
        return entry.fail(SparrowError.from(error, ErrorCode.LimitExceeded));
      }
    }
    entry.onAck = options.onAck;
    this.calls.add(entry, timeout, signal);
    try {
      beforeSend?.(id);
      if (!this.outbox.transmit(message, this.#channelFormat)) {
        this.calls.finish(entry);
        entry.fail(this.outbox.tooBigError(target));
      }
    } catch (error) {
      this.calls.finish(entry);
      entry.fail(SparrowError.from(error, ErrorCode.SerialisationError));
    }
  }

  cancelEntry(entry: PendingEntry, error: SparrowError | undefined): void {
    if (!this.calls.has(entry)) return;
    this.calls.finish(entry);
    if (error === undefined) entry.end();
    else entry.fail(error);
    if (this.remoteHas('cancel') && this.#closeReason === undefined) {
      try {
        this.notify('cancel', { id: entry.id }, { namespace: SYSTEM_NAMESPACE });
      } catch (sendError) {
        this.logger.debug('sending #sys.cancel failed', sendError);
      }
    }
  }

  closedError(target: string): SparrowError {
    const reason = this.#closeReason;
    return new SparrowError(ErrorCode.ConnectionClosed, `${target}: ${reason?.message ?? 'connection closed'}`, reason?.cause === undefined ? {} : { cause: reason.cause });
  }

  deliver(message: IncomingMessage): void {
    this.#receive(message);
  }

  terminate(reason: SparrowError): void {
    if (this.#closeReason !== undefined) return;
    this.#finalize(reason);
    this.#link.close();
  }

  #receive(message: IncomingMessage): void {
    if (this.#closeReason !== undefined) return;
    // The session may hold a request until the other side is authenticated.
    if (this.parts.session !== undefined && !this.parts.session.admit(message)) return;
    try {
      switch (message.kind) {
        case 'request':
          // {r[a][q|s]: target, i: N, [c: M], [s: ns]} [params] [{#cb, #icb}]
          if (message.callbackOf !== undefined) this.#onCallback(message);
          else {
            this.#adopt(message.format);
            const dispatcher = this.parts.dispatcher;
            if (dispatcher !== undefined) dispatcher.onRequest(message);
            else answerUnserved(this, message);
          }
          break;
        case 'notification':
          // {n: target, [c: M], [s: ns]} [params]
          if (message.callbackOf !== undefined) this.#onCallback(message);
          else {
            this.#adopt(message.format);
            // Without the dispatcher nothing is exported: a notification is never answered (§7.3).
            this.parts.dispatcher?.onNotification(message);
          }
          break;
        case 'response':
        case 'exception':
        case 'ack':
          // {p[m][f|t][a]: N, [i]} [result]; {x[a]: N, [i]} [{cat, type, msg, ...}]; {a: N}
          this.calls.settle(message, this.logger);
          break;
        default:
          this.logger.debug('message of unknown kind dropped', message);
      }
    } catch (error) {
      this.logger.error('handling an incoming message failed', error);
    }
  }

  /** A request or notification with `c`: only the callbacks part can have declared what it names. */
  #onCallback(message: Incoming<RequestMessage> | Incoming<NotificationMessage>): void {
    const callbacks = this.parts.callbacks;
    if (callbacks !== undefined) {
      if (message.kind === 'request') callbacks.onRequest(message);
      else callbacks.onNotification(message);
    } else if (message.kind === 'request') {
      const msg = `callback ${message.target} not found: request ${String(message.callbackOf)} is not pending or did not declare it`;
      this.outbox.sendException(message.id, { cat: 'r', type: 'TargetNotFound', msg }, message.format);
    } else {
      this.logger.debug(`callback notification ${message.target} for request ${String(message.callbackOf)} dropped`);
    }
  }

  /** §8: a top-level call from the other side sets the format of the calls this side starts. */
  #adopt(format: WireFormat): void {
    const current = this.#channelFormat;
    // The basic encoder (`b`) cannot carry callbacks or streams: never start calls in it.
    const protocol = format.protocol ?? '.5';
    if (protocol !== '.5') return;
    if (current.serialiser === format.serialiser && current.layout === format.layout) return;
    this.#channelFormat = { layout: format.layout, serialiser: format.serialiser, protocol };
  }

  #onProtocolError(error: SparrowError, fatal: boolean): void {
    this.#logProtocolError(error, fatal);
    if (!fatal) return;
    if (this.#closeReason !== undefined) return;
    this.#finalize(new SparrowError(ErrorCode.ConnectionClosed, `connection to ${this.remote} closed after a protocol error: ${error.message}`, { cause: error }));
    this.#link.close();
  }

  /**
   * One line per problem, rate-limited (the other side controls how many
   * there are), without a stack: a decoding error's stack only points into
   * the decoder. Only a handler's exception (`invalid-state` from onMessage)
   * keeps its details.
   */
  #logProtocolError(error: SparrowError, fatal: boolean): void {
    // This connection's limiter when it has the part, else the one given (a client page may have neither).
    const limiter = this.parts.logLimit ?? this.options.protocolLogLimiter;
    if (limiter !== undefined && !limiter.allow()) return;
    const suppressed = limiter?.takeSuppressed() ?? 0;
    const more = suppressed > 0 ? ` (${suppressed} similar lines suppressed)` : '';
    const details = error.code === ErrorCode.InvalidState && error.cause !== undefined ? [error] : [];
    if (fatal) this.logger.error(`protocol error from ${this.remote}, closing: ${error.message}${more}`, ...details);
    else this.logger.warn(`message from ${this.remote} dropped: ${error.message}${more}`, ...details);
  }

  #onLinkClose(error?: Error): void {
    const said = this.parts.session?.remoteReason;
    const message = error === undefined ? `connection to ${this.remote} closed${said === undefined ? '' : ` (${said})`}` : `connection to ${this.remote} broke: ${error.message}`;
    this.#finalize(new SparrowError(ErrorCode.ConnectionClosed, message, error === undefined ? {} : { cause: error }));
  }

  #finalize(reason: SparrowError): void {
    if (this.#closeReason !== undefined) return;
    this.#closeReason = reason;
    this.outbox.closed = true;
    const entries = this.calls.drain();
    for (const entry of entries) entry.fail(this.closedError(entry.target));
    this.parts.dispatcher?.abortAll(reason);
    const listeners = this.#closeListeners;
    this.#closeListeners = undefined;
    if (listeners !== undefined) {
      for (const listener of listeners) {
        try {
          listener(reason);
        } catch (error) {
          this.logger.warn('an onClose listener threw', error);
        }
      }
    }
    this.#resolveClosed();
  }
}

/**
 * Params of a peer without the callbacks part: plain values only. The
 * reference omits an empty params part.
 * @throws SparrowError `unsupported` for a callback or iterable param.
 */
function plainParams(message: RequestMessage, params: Params, kinds: CallOptions['paramKinds'], target: string): void {
  let count = 0;
  for (const name in params) {
    const kind = kinds !== undefined && Object.hasOwn(kinds, name) ? kinds[name] : detectParamKind(params[name]);
    if (kind !== 'value') throw unsupported(target, 'callbacks');
    count++;
  }
  if (count > 0) message.params = params;
}

/** The parts a peer made without `PeerOptions.features` gets (see `setDefaultPeerFeatures`). */
let defaultFeatures: readonly PeerFeature[] = [];

/**
 * Sets the parts every later `createCorePeer` (and so `openPeer`) gives a
 * peer whose options name none. The platform decides: the Node endpoints
 * set every part, as a server must answer whatever the other side calls;
 * a browser bundle keeps none, so it carries only what it names.
 */
export function setDefaultPeerFeatures(features: readonly PeerFeature[]): void {
  defaultFeatures = features;
}

/**
 * Creates a peer with the parts `options.features` lists (default: the
 * platform's, see `setDefaultPeerFeatures`; none in a browser bundle, where
 * plain calls, notifications and exports work and parts are added by the
 * exports, registrations and generated clients that need them; the
 * dispatcher and the interceptors come on demand, at the first `export` and
 * when `options.interceptors` lists some).
 * `createPeer` is this with every part.
 * @throws SparrowError `invalid-params` for a non-positive limit or timeout.
 */
export function createCorePeer(link: MessageLink, options: PeerOptions = {}): Peer {
  return createLeanPeer(link, options, [dispatcherFeature, interceptorsFeature]);
}

/**
 * `createCorePeer` whose `export` finds the dispatcher only among the parts
 * it has, the platform's (the Node endpoints set every part) and `onDemand`:
 * what the endpoints (`openPeer`, `connectWebSocketPeer`) make, so a client
 * page that exports nothing does not bundle the dispatcher. Such a peer
 * still answers every request (not-found, `#sys.ping`, `#sys.features`);
 * `registerService`, a registry from `createRegistry` and the callbacks
 * part bring the dispatcher with them.
 * @throws SparrowError `invalid-params` for a non-positive limit or timeout.
 */
export function createLeanPeer(link: MessageLink, options: PeerOptions = {}, onDemand: readonly PeerFeature[] = []): Peer {
  return new PeerImpl(link, options.features === undefined && defaultFeatures.length > 0 ? { ...options, features: defaultFeatures } : options, onDemand);
}

/** A `Peer` that wraps others (a reconnecting peer): it receives the parts `usePeerFeatures` adds, for its current and later connections. */
export interface WrappingPeer {
  useFeatures(features: readonly PeerFeature[]): void;
}

/**
 * Adds parts to a peer made by `createCorePeer` or `createPeer` (a no-op for
 * parts it has; a `WrappingPeer` gets them through `useFeatures`, others
 * are left alone). Generated
 * clients call it with what their schema uses.
 */
export function usePeerFeatures(peer: Peer, features: readonly PeerFeature[]): void {
  if (peer instanceof PeerImpl) peer.use(features);
  else (peer as Partial<WrappingPeer>).useFeatures?.(features);
}

/** The session part of a peer made here with `sessionFeature` (session.ts), else undefined. */
export function peerSession(peer: Peer): SessionPart | undefined {
  return peer instanceof PeerImpl ? peer.parts.session : undefined;
}
