/**
 * The peer: one per connection, both sides equal (PROTOCOL.md §7). Either
 * side calls what the other exported; calls, callbacks, multipart responses
 * and iterable params all travel over one `MessageLink`.
 *
 * This file wires the parts together, routes what arrives (§7.1) and owns
 * the connection's lifecycle. What this side starts goes out through
 * outgoing.ts and waits in the call table (call-table.ts); a request or
 * notification without `c` goes to the dispatcher, one with `c` to the
 * callbacks part, and responses, exceptions and acks to the call table by
 * the id they answer. The dispatcher, streams, callbacks, session,
 * interceptors and the log limiter are parts (`PeerFeature`), installed
 * from `PeerOptions.features`, by a registration or registry that needs
 * them, or by a generated client; the core never imports them. Without
 * the dispatcher a peer still answers every request: not-found, or the
 * `#sys` basics when it has `systemFeature` (`createCorePeer` does).
 *
 * Nothing the other side sends can throw out of the peer: every incoming
 * message is handled inside a try/catch, handlers run inside async
 * functions, and anything unexpected is logged and dropped.
 */
import type { IncomingMessage, MessageLink, MessageLinkHandlers, NotificationMessage, Params, WireFormat } from '../envelope/message.ts';
import { ErrorCode, SparrowError } from '../errors.ts';
import { CallTable } from './call-table.ts';
import { dispatcherFeature } from './dispatcher.ts';
import { interceptorsFeature } from './interceptors.ts';
import type { PeerCore, PeerParts, SessionPart } from './features.ts';
import { consoleLogger, type Logger } from './logger.ts';
import { sendNotification, sendRequest } from './outgoing.ts';
import { Outbox } from './outbox.ts';
import { discoveryFeature } from './discovery.ts';
import { PendingCall } from './pending-call.ts';
import { defaultPeerFeatures, failedStream, unsupported } from './peer-parts.ts';
import { answerNotFound, systemFeature } from './system-service.ts';
import type { CallOptions, CallStream, ExportOptions, Handler, NotifyOptions, Peer, PeerFeature, PeerOptions, StreamOptions } from './types.ts';

class PeerImpl implements Peer, PeerCore {
  // The fields the constructor sets are `declare`d (here, in Outbox and PendingCall too): a declaration is code in every page's bundle.
  declare readonly remote: string;
  declare readonly closed: Promise<void>;
  readonly peer: Peer = this;
  declare readonly outbox: Outbox;
  declare readonly calls: CallTable;
  declare readonly logger: Logger;
  /** The parts installed so far, by key. */
  readonly parts: PeerParts = {};
  declare readonly options: PeerOptions;
  readonly installed = new Set<PeerFeature>();
  readonly #link: MessageLink;
  /** Parts this peer may install when something needs them (`createCorePeer`: the dispatcher, the interceptors). */
  readonly #onDemand: readonly PeerFeature[];
  #format: WireFormat;
  #closeReason: SparrowError | undefined;
  #closeListeners: Set<(reason: SparrowError) => void> | undefined = new Set();

  constructor(link: MessageLink, options: PeerOptions, onDemand: readonly PeerFeature[]) {
    this.#link = link;
    this.#onDemand = onDemand;
    this.options = options;
    this.remote = link.remote;
    const logger = (this.logger = options.logger ?? consoleLogger);
    this.calls = new CallTable(options, logger);
    this.outbox = new Outbox(link, options.maxMessageBytes, logger);
    this.#format = { layout: options.layout ?? '0.1.2', serialiser: options.serialiser ?? 'j', protocol: '.5' };
    // The first close listener: `closed` resolves with the others.
    this.closed = new Promise<void>((resolve) => this.onClose(() => resolve()));
    // No parts named: the platform's (Node: every part; a browser bundle: none).
    this.use(options.features ?? defaultPeerFeatures());
    // A registry made by createRegistry carries the dispatcher that answers it.
    if (options.registry) this.#need('dispatcher', 'registry', options.registry.dispatcher);
    if (options.interceptors?.length) this.#need('interceptors', 'interceptors');
    // A listener's limiter is drawn on by each connection's own (the log limiter part): never ignored.
    if (options.protocolLogLimiter) this.#need('logLimit', 'protocolLogLimiter');
    // Fail closed: an `authenticate` hook nobody runs would let everyone in.
    if ((options.authenticate !== undefined || options.credentials !== undefined || options.heartbeatMs !== undefined) && this.parts.session === undefined) {
      throw new SparrowError(ErrorCode.InvalidParams, 'authenticate, credentials and heartbeatMs need sessionFeature');
    }
    const handlers: MessageLinkHandlers = {
      onMessage: (message, bytes) => this.#receive(message, bytes),
      onProtocolError: (error, fatal) => this.#onProtocolError(error, fatal),
      onClose: (error) => this.#finalize(this.closing(error ? `broke: ${error.message}` : 'closed', error)),
      // Never cut for idleness while calls, handlers (streams, subscriptions, callbacks) are in flight.
      isBusy: () => this.calls.size > 0 || this.activeHandlerCount > 0,
    };
    // Last: the link may deliver buffered messages synchronously. The session part hears it first.
    link.start(this.parts.session?.guard(handlers) ?? handlers);
  }

  get isClosed(): boolean {
    return this.#closeReason !== undefined;
  }

  get format(): Readonly<WireFormat> {
    return this.#format;
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
      if (this.installed.has(feature)) continue;
      this.installed.add(feature);
      (this.parts as Record<string, unknown>)[feature.key] = (feature.install as (core: PeerCore) => unknown)(this);
    }
  }

  /**
   * The part `key` that `what` needs: installed already, else `given`,
   * else one this peer makes on demand, else the platform's (see
   * `setDefaultPeerFeatures`).
   * @throws SparrowError `unsupported` when none has it.
   */
  #need<K extends keyof PeerParts>(key: K, what: string, given?: PeerFeature): NonNullable<PeerParts[K]> {
    const feature = [given, ...this.#onDemand, ...defaultPeerFeatures()].find((f) => f?.key === key);
    if (!this.parts[key] && feature) this.use([feature]);
    const part = this.parts[key];
    if (!part) throw unsupported(what, key);
    return part;
  }

  export(name: string, handler: Handler, options?: ExportOptions): () => void {
    return this.#need('dispatcher', 'export').export(name, handler, options);
  }

  call<T = unknown>(target: string, params?: Params, options: CallOptions = {}): Promise<T> {
    const entry = new PendingCall(this.calls, target, options);
    sendRequest(this, entry, target, params, options);
    return entry.promise as Promise<T>;
  }

  callStream<T = unknown>(target: string, params?: Params, options: StreamOptions = {}): CallStream<T> {
    return this.parts.streams?.callStream<T>(target, params, options) ?? failedStream(unsupported(target, 'streams'));
  }

  notify(target: string, params?: Params, options: NotifyOptions = {}): void {
    // {n: target, [s: namespace]} [params]: always with a params part (§6: Python requires it).
    const message: NotificationMessage = { kind: 'notification', target, params: params ?? {} };
    if (options.namespace) message.namespace = options.namespace;
    sendNotification(this, message, target);
  }

  remoteFeatures(): Promise<ReadonlySet<string>> {
    return this.parts.discovery?.features() ?? Promise.reject(unsupported('remoteFeatures', 'discovery'));
  }

  onClose(listener: (reason: SparrowError) => void): () => void {
    const listeners = this.#closeListeners;
    if (!listeners) queueMicrotask(() => listener(this.#closeReason!));
    else listeners.add(listener);
    return () => void listeners?.delete(listener);
  }

  close(): void {
    if (!this.isClosed) this.terminate(this.closing('was closed by this side'));
  }

  closedError(target: string): SparrowError {
    // Asked only once closed (PeerCore), so there is a reason.
    const reason = this.#closeReason!;
    return new SparrowError(ErrorCode.ConnectionClosed, `${target}: ${reason.message}`, { cause: reason.cause });
  }

  terminate(reason: SparrowError): void {
    if (this.isClosed) return;
    this.#finalize(reason);
    this.#link.close();
  }

  #receive(message: IncomingMessage, bytes: number | undefined): void {
    if (this.isClosed) return;
    try {
      if (message.kind === 'request' || message.kind === 'notification') {
        // {r[a][q|s]: target, i: N, [c: M], [s: ns]} [params] [{#cb, #icb}]; {n: target, [c: M], [s: ns]} [params]
        // With `c` it calls back into a request this side sent: only the callbacks part can have declared what it names.
        const top = message.callbackOf === undefined;
        if (top) this.#adopt(message.format);
        const part = top ? this.parts.dispatcher : this.parts.callbacks;
        // Without the part nothing is there to call: a notification is never answered (§7.3), a request
        // gets not-found (the `#sys` basics from the system part, when there is one), so no caller hangs.
        if (message.kind === 'notification') part?.onNotification(message);
        else {
          const server = part ?? this.parts.system;
          if (server) server.onRequest(message);
          else answerNotFound(this.outbox, message);
        }
      } else {
        // {p[m][f|t][a]: N, [i]} [result]; {x[a]: N, [i]} [{cat, type, msg, ...}]; {a: N}
        this.calls.settle(message, bytes);
      }
    } catch (error) {
      this.logger.error('handling an incoming message failed', error);
    }
  }

  /**
   * §8: a top-level call from the other side sets the format of the calls
   * this side starts: its envelope's serialiser and layout (a decoded
   * format is shared, so taken as it is), not one payload's serialiser.
   */
  #adopt(format: WireFormat): void {
    // The basic encoder (`b`) cannot carry callbacks or streams: never start calls in it.
    if (format.protocol !== 'b') this.#format = format.payloadSerialiser ? { layout: format.layout, serialiser: format.serialiser, protocol: '.5' } : format;
  }

  /**
   * One line per problem, without a stack: a decoding error's stack only
   * points into the decoder. Only a handler's exception (`invalid-state`
   * from onMessage) keeps its details. The other side controls how many
   * there are: the log limiter part, when there is one, drops lines over
   * its rate. A fatal one closes the peer.
   */
  #onProtocolError(error: SparrowError, fatal: boolean): void {
    // A fatal one's line is the close's reason.
    const reason = fatal ? this.closing(`closed after a protocol error: ${error.message}`, error) : undefined;
    const line = reason?.message ?? `message from ${this.remote} dropped: ${error.message}`;
    const limited = this.parts.logLimit ? this.parts.logLimit.limit(line) : line;
    if (limited !== undefined) this.logger[fatal ? 'error' : 'warn'](limited, ...(error.code === ErrorCode.InvalidState && error.cause !== undefined ? [error] : []));
    if (reason) this.terminate(reason);
  }

  closing(how: string, cause?: Error): SparrowError {
    return new SparrowError(ErrorCode.ConnectionClosed, `connection to ${this.remote} ${how}`, { cause });
  }

  /** Once: fails what is pending, aborts what runs, then tells the listeners (`closed` resolves with them). */
  #finalize(reason: SparrowError): void {
    const listeners = this.#closeListeners;
    if (!listeners) return;
    this.#closeListeners = undefined;
    this.#closeReason = reason;
    this.outbox.closed = true;
    for (const entry of this.calls.drain()) entry.fail(this.closedError(entry.target));
    this.parts.dispatcher?.abortAll(reason);
    for (const listener of listeners) {
      try {
        listener(reason);
      } catch (error) {
        this.logger.warn('an onClose listener threw', error);
      }
    }
  }
}

/**
 * Creates a peer with the parts `options.features` lists (default: the
 * platform's, see `setDefaultPeerFeatures`; none in a browser bundle, where
 * plain calls, notifications and exports work and parts are added by the
 * exports, registrations and generated clients that need them; the
 * dispatcher and the interceptors come on demand, at the first `export` and
 * when `options.interceptors` lists some). It answers `#sys.ping`,
 * `#sys.features` and `#sys.describe` from the start (`systemFeature`).
 * `createPeer` is this with every part.
 * @throws SparrowError `invalid-params` for a non-positive limit or timeout.
 */
export function createCorePeer(link: MessageLink, options: PeerOptions = {}): Peer {
  return createLeanPeer(link, { ...options, features: [systemFeature, discoveryFeature, ...(options.features ?? defaultPeerFeatures())] }, [dispatcherFeature, interceptorsFeature]);
}

/**
 * `createCorePeer` whose `export` finds the dispatcher only among the parts
 * it has, the platform's (the Node endpoints set every part) and `onDemand`:
 * what the endpoints (`openPeer`, `connectWebSocketPeer`) make, so a client
 * page that exports nothing does not bundle the dispatcher. Such a peer
 * still answers every request: not-found, `#sys` included (given
 * `systemFeature`, `#sys.ping`, `#sys.features` and `#sys.describe`);
 * `registerService`, a registry from `createRegistry` and the callbacks
 * part bring the dispatcher with them.
 * @throws SparrowError `invalid-params` for a non-positive limit or timeout.
 */
export function createLeanPeer(link: MessageLink, options: PeerOptions = {}, onDemand: readonly PeerFeature[] = []): Peer {
  return new PeerImpl(link, options, onDemand);
}

/** A `Peer` that wraps others (a reconnecting peer): it receives the parts `usePeerFeatures` adds, for its current and later connections. */
export interface WrappingPeer {
  useFeatures(features: readonly PeerFeature[]): void;
}

/**
 * Adds parts to a peer made by `createCorePeer` or `createPeer` (a no-op for
 * parts it has; a `WrappingPeer` gets them through `useFeatures`, others
 * are left alone). Generated clients call it with what their schema uses.
 */
export function usePeerFeatures(peer: Peer, features: readonly PeerFeature[]): void {
  if (peer instanceof PeerImpl) peer.use(features);
  else (peer as Partial<WrappingPeer>).useFeatures?.(features);
}

/** The session part of a peer made here with `sessionFeature` (session.ts), else undefined. */
export function peerSession(peer: Peer): SessionPart | undefined {
  return peer instanceof PeerImpl ? peer.parts.session : undefined;
}
