/**
 * A peer that outlives its connections: when the link drops it connects
 * again with exponential backoff, exports its targets again on each new
 * connection and re-opens subscriptions (streams opened with
 * `resubscribe`). It knows nothing of URLs or transports: it is given the
 * first connected peer and a function that makes the next one, so it works
 * over every scheme (tcp, unix, tls, ws, …) and in a browser. Browser-safe.
 *
 * What callers see: calls in flight when the link drops fail with
 * `connection-closed` (the connection's own peer fails them); a call made
 * while the link is down waits for it, up to the call's own timeout; a
 * notification made while it is down throws `connection-closed`.
 */
import type { Params } from '../envelope/message.ts';
import { ErrorCode, SparrowError } from '../errors.ts';
import { DEFAULT_TIMEOUT_MS, checkTimeout } from '../rpc/call-table.ts';
import { consoleLogger, type Logger } from '../rpc/logger.ts';
import { usePeerFeatures, type WrappingPeer } from '../rpc/peer-core.ts';
import { SYSTEM_NAMESPACE } from '../rpc/map-registry.ts';
import type { CallOptions, CallStream, ExportOptions, Handler, NotifyOptions, Peer, PeerFeature, StreamOptions } from '../rpc/types.ts';
import { LinkedStream, type StreamLink } from './linked-stream.ts';

/** Backoff between connection attempts: `connectPeer(url, { reconnect })`. */
export interface ReconnectOptions {
  /** Wait before the first attempt after a drop, in ms; doubled after each failed attempt. Default 100. */
  initialDelayMs?: number;
  /** The longest wait between attempts, in ms. Default 10 000. */
  maxDelayMs?: number;
  /**
   * Randomness in [0, 1]: each wait is shortened by up to this fraction, so
   * many clients of one restarted server do not all come back at once.
   * Default 0.2.
   */
  jitter?: number;
  /** Give up after this many failed attempts in a row: the peer then closes for good. Default: never. */
  maxAttempts?: number;
}

/** Options of {@link createReconnectingPeer}. */
export interface ReconnectingPeerOptions extends ReconnectOptions {
  /** How long a call made while disconnected waits for the link, when the call sets no `timeoutMs`. Default 30 000 (as `PeerOptions.timeoutMs`). */
  timeoutMs?: number;
  /** Where failed attempts are reported (debug) and listener failures (warn). Default: the console logger. */
  logger?: Logger;
}

/** What each event's listener receives. */
export interface ReconnectEvents {
  /** A new connection is up (not sent for the first one, which exists before the peer does); `attempt` counts from 1. */
  connected: { readonly attempt: number };
  /** The connection dropped (or the peer was closed); `reason` is the `connection-closed` error its calls failed with. */
  disconnected: { readonly reason: SparrowError };
  /** An attempt is scheduled after `delayMs`; `reason` is why the last connection or attempt ended. */
  reconnecting: { readonly attempt: number; readonly delayMs: number; readonly reason: SparrowError };
}

/** A `Peer` that reconnects. `isClosed`, `closed` and `onClose` are about the final close (`close()`, or `maxAttempts` reached), not a drop. */
export interface ReconnectingPeer extends Peer {
  /** True while a connection is up. */
  readonly isConnected: boolean;
  /** Listens for `connected`, `disconnected` or `reconnecting`; returns a function that stops listening. */
  on<E extends keyof ReconnectEvents>(event: E, listener: (info: ReconnectEvents[E]) => void): () => void;
}

interface ExportEntry {
  readonly name: string;
  readonly handler: Handler;
  readonly options: ExportOptions | undefined;
  /** Removes it from the current connection's peer. */
  undo: (() => void) | undefined;
}

interface LinkWaiter {
  resolve(peer: Peer): void;
  reject(error: SparrowError): void;
}

function checkDelay(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(value >= 0) || value === Infinity) throw new SparrowError(ErrorCode.InvalidParams, `reconnect.${name} must be a finite number ≥ 0 (got ${String(value)})`);
  return value;
}

class ReconnectingPeerImpl implements ReconnectingPeer, WrappingPeer, StreamLink {
  readonly remote: string;
  readonly closed: Promise<void>;
  private current: Peer | undefined;
  private lastFormat: Peer['format'];
  private readonly connect: () => Promise<Peer>;
  private readonly logger: Logger;
  private readonly timeoutMs: number;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly jitter: number;
  private readonly maxAttempts: number;
  private readonly exported: ExportEntry[] = [];
  private readonly features: PeerFeature[] = [];
  private readonly waiters = new Set<LinkWaiter>();
  private readonly listeners = new Map<keyof ReconnectEvents, Set<(info: never) => void>>();
  private readonly closeListeners = new Set<(reason: SparrowError) => void>();
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** `remoteFeatures()` was asked: each new connection asks too, so cancel and flow control keep working. */
  private askedFeatures = false;
  private closeReason: SparrowError | undefined = undefined;
  private resolveClosed!: () => void;

  constructor(first: Peer, connect: () => Promise<Peer>, options: ReconnectingPeerOptions) {
    this.remote = first.remote;
    this.connect = connect;
    this.logger = options.logger ?? consoleLogger;
    this.timeoutMs = checkTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.initialDelayMs = checkDelay('initialDelayMs', options.initialDelayMs, 100);
    this.maxDelayMs = Math.max(this.initialDelayMs, checkDelay('maxDelayMs', options.maxDelayMs, 10_000));
    const jitter = options.jitter ?? 0.2;
    if (!(jitter >= 0 && jitter <= 1)) throw new SparrowError(ErrorCode.InvalidParams, `reconnect.jitter must be between 0 and 1 (got ${String(jitter)})`);
    this.jitter = jitter;
    const maxAttempts = options.maxAttempts ?? Infinity;
    if (!(maxAttempts >= 1)) throw new SparrowError(ErrorCode.InvalidParams, `reconnect.maxAttempts must be ≥ 1 (got ${String(maxAttempts)})`);
    this.maxAttempts = maxAttempts;
    this.lastFormat = first.format;
    this.closed = new Promise<void>((resolve) => {
      this.resolveClosed = resolve;
    });
    this.current = undefined;
    this.attach(first);
  }

  get isClosed(): boolean {
    return this.closeReason !== undefined;
  }

  get isConnected(): boolean {
    return this.live() !== undefined;
  }

  get format(): Peer['format'] {
    return this.current?.format ?? this.lastFormat;
  }

  get pendingCount(): number {
    return (this.current?.pendingCount ?? 0) + this.waiters.size;
  }

  get activeHandlerCount(): number {
    return this.current?.activeHandlerCount ?? 0;
  }

  on<E extends keyof ReconnectEvents>(event: E, listener: (info: ReconnectEvents[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (set === undefined) this.listeners.set(event, (set = new Set()));
    set.add(listener as (info: never) => void);
    return () => void set.delete(listener as (info: never) => void);
  }

  /** Generated clients add the parts their schema uses: every later connection gets them too. */
  useFeatures(features: readonly PeerFeature[]): void {
    for (const feature of features) if (!this.features.includes(feature)) this.features.push(feature);
    if (this.current !== undefined) usePeerFeatures(this.current, features);
  }

  export(name: string, handler: Handler, options?: ExportOptions): () => void {
    const namespace = options?.namespace ?? '';
    if (namespace === SYSTEM_NAMESPACE) throw new SparrowError(ErrorCode.Unsupported, `the namespace ${SYSTEM_NAMESPACE} is reserved for the system service`);
    if (this.exported.some((entry) => entry.name === name && (entry.options?.namespace ?? '') === namespace)) {
      throw new SparrowError(ErrorCode.InvalidState, `${name} is already exported in namespace "${namespace}"`);
    }
    const entry: ExportEntry = { name, handler, options, undo: undefined };
    // On the live connection first, so its checks (`#sys`, …) throw before anything is kept.
    if (this.current !== undefined) entry.undo = this.current.export(name, handler, options);
    this.exported.push(entry);
    return () => {
      const index = this.exported.indexOf(entry);
      if (index >= 0) this.exported.splice(index, 1);
      entry.undo?.();
      entry.undo = undefined;
    };
  }

  call<T = unknown>(target: string, params?: Params, options: CallOptions = {}): Promise<T> {
    const peer = this.live();
    if (peer !== undefined) return peer.call<T>(target, params, options);
    return this.whenLinked(target, options.timeoutMs, options.signal).then(
      ([linked, timeoutMs]) => linked.call<T>(target, params, timeoutMs === undefined ? options : { ...options, timeoutMs }),
      (error: SparrowError) => {
        throw options.mapError === undefined ? error : options.mapError(error);
      },
    );
  }

  callStream<T = unknown>(target: string, params?: Params, options: StreamOptions = {}): CallStream<T> {
    const peer = this.live();
    if (peer !== undefined && options.resubscribe !== true) return peer.callStream<T>(target, params, options);
    return new LinkedStream<T>(this, target, params, options);
  }

  notify(target: string, params?: Params, options?: NotifyOptions): void {
    const peer = this.live();
    if (peer === undefined) throw this.downError(target);
    peer.notify(target, params, options);
  }

  remoteFeatures(): Promise<ReadonlySet<string>> {
    this.askedFeatures = true;
    const peer = this.live();
    if (peer !== undefined) return peer.remoteFeatures();
    return this.whenLinked('#sys.features', undefined, undefined).then(
      ([linked]) => linked.remoteFeatures(),
      () => new Set<string>(),
    );
  }

  onClose(listener: (reason: SparrowError) => void): () => void {
    const reason = this.closeReason;
    if (reason !== undefined) {
      queueMicrotask(() => listener(reason));
      return () => {};
    }
    this.closeListeners.add(listener);
    return () => void this.closeListeners.delete(listener);
  }

  close(): void {
    this.finish(new SparrowError(ErrorCode.ConnectionClosed, `connection to ${this.remote} was closed by this side`));
  }

  /** The connection's peer while it is up. */
  live(): Peer | undefined {
    const peer = this.current;
    return peer !== undefined && !peer.isClosed ? peer : undefined;
  }

  /**
   * Resolves with the next live peer and what is left of the timeout (the
   * call's, else the peer's default; `undefined` when there is none).
   * Rejects with `timeout`, `aborted`, or `connection-closed` once closed for good.
   */
  whenLinked(target: string, timeoutMs: number | undefined, signal: AbortSignal | undefined, stop?: AbortSignal): Promise<[Peer, number | undefined]> {
    let timeout: number;
    try {
      timeout = timeoutMs === undefined ? this.timeoutMs : checkTimeout(timeoutMs);
    } catch (error) {
      return Promise.reject(error as SparrowError);
    }
    if (this.closeReason !== undefined) return Promise.reject(this.closedError(target));
    if (signal?.aborted === true) return Promise.reject(new SparrowError(ErrorCode.Aborted, `${target} was aborted`, { cause: signal.reason }));
    const started = Date.now();
    return new Promise<[Peer, number | undefined]>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = (): void => waiter.reject(new SparrowError(ErrorCode.Aborted, `${target} was aborted`, { cause: signal?.reason }));
      const done = (): void => {
        this.waiters.delete(waiter);
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        stop?.removeEventListener('abort', onAbort);
      };
      const waiter: LinkWaiter = {
        resolve: (peer) => {
          done();
          // What the wait used up is taken off the call's own timeout (at least 1 ms is left).
          resolve([peer, timeout === 0 ? undefined : Math.max(1, timeout - (Date.now() - started))]);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      };
      this.waiters.add(waiter);
      if (timeout > 0) {
        timer = setTimeout(() => waiter.reject(new SparrowError(ErrorCode.Timeout, `${target} timed out after ${timeout} ms waiting for the connection to ${this.remote}`)), timeout);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      stop?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** `connection-closed` for a call after the final close. */
  closedError(target: string): SparrowError {
    const reason = this.closeReason;
    return new SparrowError(ErrorCode.ConnectionClosed, `${target}: ${reason?.message ?? 'connection closed'}`);
  }

  private downError(target: string): SparrowError {
    if (this.closeReason !== undefined) return this.closedError(target);
    return new SparrowError(ErrorCode.ConnectionClosed, `${target}: the connection to ${this.remote} is down (reconnecting)`);
  }

  /** Makes `peer` the live connection: exports and parts again, then wakes the calls waiting for it. */
  private attach(peer: Peer): void {
    this.current = peer;
    if (this.features.length > 0) usePeerFeatures(peer, this.features);
    for (const entry of this.exported) {
      try {
        entry.undo = peer.export(entry.name, entry.handler, entry.options);
      } catch (error) {
        this.logger.warn(`could not export ${entry.name} again on the new connection to ${this.remote}`, error);
      }
    }
    peer.onClose((reason) => this.onDrop(peer, reason));
    // A peer without the discovery part refuses (as it did when asked): nothing to report here.
    if (this.askedFeatures) peer.remoteFeatures().catch(() => {});
    for (const waiter of [...this.waiters]) waiter.resolve(peer);
  }

  private onDrop(peer: Peer, reason: SparrowError): void {
    if (peer !== this.current) return;
    this.lastFormat = peer.format;
    this.current = undefined;
    for (const entry of this.exported) entry.undo = undefined;
    this.emit('disconnected', { reason });
    if (this.closeReason === undefined) this.schedule(1, reason);
  }

  private schedule(attempt: number, reason: SparrowError): void {
    if (attempt > this.maxAttempts) {
      this.finish(new SparrowError(ErrorCode.ConnectionClosed, `connection to ${this.remote} lost: gave up after ${this.maxAttempts} attempts (${reason.message})`, { cause: reason }));
      return;
    }
    const base = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** Math.min(attempt - 1, 30));
    const delayMs = Math.round(base * (1 - this.jitter * Math.random()));
    this.emit('reconnecting', { attempt, delayMs, reason });
    this.timer = setTimeout(() => this.attempt(attempt), delayMs);
  }

  private attempt(attempt: number): void {
    this.timer = undefined;
    if (this.closeReason !== undefined) return;
    this.connect().then(
      (peer) => {
        if (this.closeReason !== undefined) {
          peer.close();
          return;
        }
        this.attach(peer);
        this.emit('connected', { attempt });
      },
      (error: unknown) => {
        if (this.closeReason !== undefined) return;
        const reason = SparrowError.from(error, ErrorCode.ConnectionFailed);
        this.logger.debug(`reconnecting to ${this.remote}: attempt ${attempt} failed: ${reason.message}`);
        this.schedule(attempt + 1, reason);
      },
    );
  }

  private finish(reason: SparrowError): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const waiter of [...this.waiters]) waiter.reject(this.closedError('call'));
    const peer = this.current;
    const done = (): void => {
      for (const listener of this.closeListeners) {
        try {
          listener(reason);
        } catch (error) {
          this.logger.warn('an onClose listener threw', error);
        }
      }
      this.closeListeners.clear();
      this.resolveClosed();
    };
    if (peer === undefined) done();
    else {
      peer.close();
      void peer.closed.then(done);
    }
  }

  private emit<E extends keyof ReconnectEvents>(event: E, info: ReconnectEvents[E]): void {
    const set = this.listeners.get(event);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        (listener as (info: ReconnectEvents[E]) => void)(info);
      } catch (error) {
        this.logger.warn(`a ${event} listener threw`, error);
      }
    }
  }
}

/**
 * Makes a {@link ReconnectingPeer} from a connected peer and a function that
 * makes the next connection's peer (it should reject when connecting
 * fails; each failure counts as one attempt). `connectPeer(url, { reconnect })`
 * is this with a URL.
 *
 * Calls in flight when a connection drops fail with `connection-closed`; a
 * call made while disconnected waits for the next connection up to its own
 * timeout (then rejects with `timeout`). Exports made on this peer are made
 * again on every connection; streams opened with `resubscribe: true` (topic
 * subscriptions of generated clients) are opened again. Values published
 * while disconnected are lost.
 * @throws SparrowError `invalid-params` for a bad delay, jitter, attempt count or timeout.
 */
export function createReconnectingPeer(first: Peer, connect: () => Promise<Peer>, options: ReconnectingPeerOptions = {}): ReconnectingPeer {
  return new ReconnectingPeerImpl(first, connect, options);
}

/** What `withReconnect` needs of an endpoint's options. */
export interface ReconnectEndpointOptions {
  readonly reconnect?: ReconnectOptions | undefined;
  readonly timeoutMs?: number | undefined;
  readonly logger?: Logger | undefined;
}

/**
 * What the connecting endpoints (`connectPeer`, `connectWebSocketPeer`) do
 * with their `reconnect` option: the first peer as it is without one, else
 * a reconnecting peer around it that uses `next` for later connections and
 * the endpoint's `timeoutMs` and `logger`. A bad option closes `first`.
 * @throws SparrowError `invalid-params` for a bad reconnect option.
 */
export function withReconnect(first: Peer, next: () => Promise<Peer>, options: ReconnectEndpointOptions): Peer {
  if (options.reconnect === undefined) return first;
  const { wrap: _wrap, ...backoff } = options.reconnect as Partial<ReconnectPolicy>;
  const peerOptions: ReconnectingPeerOptions = backoff;
  if (options.timeoutMs !== undefined) peerOptions.timeoutMs = options.timeoutMs;
  if (options.logger !== undefined) peerOptions.logger = options.logger;
  try {
    return createReconnectingPeer(first, next, peerOptions);
  } catch (error) {
    first.close();
    throw error;
  }
}

/**
 * A `reconnect` option that carries its implementation (`reconnecting()`):
 * what the browser-safe `connectWebSocketPeer` takes, so a page that never
 * reconnects does not bundle the reconnecting peer.
 */
export interface ReconnectPolicy extends ReconnectOptions {
  /** Wraps the first peer (this is `withReconnect`). */
  readonly wrap: (first: Peer, next: () => Promise<Peer>, options: ReconnectEndpointOptions) => Peer;
}

/**
 * The `reconnect` option of `connectWebSocketPeer`:
 * `connectWebSocketPeer(url, { reconnect: reconnecting({ maxAttempts: 5 }) })`.
 * Node's `connectPeer` also takes the plain options.
 */
export function reconnecting(options: ReconnectOptions = {}): ReconnectPolicy {
  return { ...options, wrap: withReconnect };
}
