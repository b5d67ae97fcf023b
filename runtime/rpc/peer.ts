/**
 * The peer: one per connection, both sides equal (PROTOCOL.md §7). Either
 * side calls what the other exported; calls, callbacks, multipart responses
 * and iterable params all travel over one `MessageLink`.
 *
 * Routing (§7.1): a request or notification without `c` goes to the
 * registries (`#sys`, then the peer's own, then the shared one); responses,
 * exceptions and acks go to the pending-call table by the id they answer;
 * callback requests and notifications (with `c`) go to the locals of the
 * pending call `c` names.
 *
 * Nothing the other side sends can throw out of the peer: every incoming
 * message is handled inside a try/catch, handlers run inside async
 * functions, and anything unexpected is logged and dropped.
 */
import type {
  ChainLayout,
  IncomingMessage,
  Message,
  MessageId,
  MessageLink,
  NotificationMessage,
  Params,
  RequestMessage,
  ResponseMessage,
  SerialiserCode,
  WireFormat,
} from '../envelope/message.ts';
import { ErrorCode, SparrowError, fromWireError, toWireError, type WireError } from '../errors.ts';
import {
  bindDeclaredParams,
  openIterator,
  prepareParams,
  type CallbackChannel,
  type IterableSlot,
  type ParamKind,
} from './callbacks.ts';
import {
  PendingCall,
  PendingEntry,
  PendingPull,
  PendingStream,
  type CallOwner,
  type CallStream,
} from './call-table.ts';
import { IncomingCall } from './incoming-call.ts';
import { nextMacrotask } from './macrotask.ts';
import { consoleLogger, type Logger } from './logger.ts';
import { IdTable } from './id-table.ts';
import {
  SYSTEM_NAMESPACE,
  createRegistry,
  describeTarget,
  type ExportOptions,
  type Handler,
  type Registration,
  type Registry,
} from './registry.ts';
import { createSystemTargets } from './system-service.ts';

/** Default per-call timeout: 30 s. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Default limit of requests this side may have pending at once. */
export const DEFAULT_MAX_PENDING_CALLS = 10_000;
/** Default limit of handlers running at once for the other side. */
export const DEFAULT_MAX_CONCURRENT_HANDLERS = 1_000;
/** Default limit of unread multipart parts buffered per stream. */
export const DEFAULT_MAX_STREAM_BUFFER = 10_000;
/**
 * Default flow-control window of a stream (`StreamOptions.window`): items
 * unread + items the callee may still send. Large enough that a fast
 * consumer rarely waits on a grant round trip (grants go out every
 * window/2 items), small enough to bound a slow consumer's buffer. 1024
 * rather than 256: the bench's 100k-item stream (separate processes,
 * tcp+msgpack, one part per item) went from 255–315k to 387–443k items/s,
 * server peak RSS +2–4 MiB; 2048 measured no better then. 4096 since
 * batches (feature `batch`): the grant round trip became the cost that is
 * left (both sides ~50 % idle at 1024); 21 streams of 100k items took 22 %
 * less client CPU and ran 15–25 % faster at 4096 than at 1024, and 8192
 * measured no better than 4096.
 */
export const DEFAULT_STREAM_WINDOW = 4096;
/**
 * Default largest message this side sends (`PeerOptions.maxMessageBytes`):
 * the reference receiver's 10 MiB chain limit less room for the envelope
 * and part headers. A bigger value fails locally with `limit-exceeded`
 * instead of making the other side drop the connection.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024 - 4096;
/** Credit grants held for requests that have not arrived (yet, or ever): oldest evicted beyond this. */
const MAX_EARLY_GRANTS = 1024;
/**
 * Batched multipart answers (feature `batch`): a batch aims at this many
 * encoded bytes; its item count is set from the bytes per item the last
 * batch measured, so small items go out by the thousand (one chain, one
 * envelope, one decode for all of them) and big ones a few at a time.
 */
const BATCH_BYTES = 64 * 1024;
/** Items in the first batch of a stream, before anything was measured. */
const FIRST_BATCH_ITEMS = 64;
/** The most items in one batch, whatever they weigh. */
const MAX_BATCH_ITEMS = 4096;
/**
 * A multipart handler waits for the link to drain when more than this many
 * bytes are queued (without flow control, the only brake on a fast
 * generator). At 1 MiB a stream of ~30-byte items queued ~35,000 messages
 * per tick: the server's heap grew to 140–156 MiB and the two processes
 * took turns instead of overlapping; 256 KiB keeps the socket busy with
 * less in memory.
 */
const SEND_HIGH_WATER_MARK = 256 * 1024;
/** setTimeout fires at once for delays above 2^31-1 ms: longer timeouts are clamped. */
const MAX_TIMER_MS = 0x7fffffff;
/**
 * Timeouts: one sweep timer per peer instead of a timer per call (a
 * setTimeout + clearTimeout per call was 4–5 % of busy time at 64 calls in
 * flight). After a sweep the next one is at least this far away, so a
 * timeout fires up to this late when deadlines are spread out (and never
 * early); the sweep walks the pending table, so it must not run often.
 */
const SWEEP_MIN_INTERVAL_MS = 10;

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
  /** Passed to every handler as `ctx.callerIdentity` (who the other side is, as the transport or an auth hook established). */
  callerIdentity?: unknown;
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
  /**
   * Flow-control window (`#sys.credit`): at most this many parts are unread
   * or in flight, so a fast callee is paced to this consumer. Applies only
   * once `remoteFeatures()` has reported `credit` (a reference peer never
   * sees a grant). Default `DEFAULT_STREAM_WINDOW` (4096), capped at the
   * stream's `maxBuffer`; `Infinity` turns flow control off for this stream.
   */
  window?: number;
}

/** Options of a notification. */
export interface NotifyOptions {
  namespace?: string;
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
   * `protocol-error` when the callee answered with a multipart response.
   */
  call<T = unknown>(target: string, params?: Params, options?: CallOptions): Promise<T>;

  /**
   * Calls a multipart target (§7.7) and returns its parts as they arrive.
   * The request goes out at once. Stop early with `break`, `return()`,
   * `cancel()` or the signal. The iterator rejects with the same codes as
   * `call`, plus `limit-exceeded` when more than `maxBuffer` parts are unread.
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
   */
  remoteFeatures(): Promise<ReadonlySet<string>>;

  /** Registers a listener for the close; it gets the `connection-closed` error. Returns an unsubscribe function. */
  onClose(listener: (reason: SparrowError) => void): () => void;

  /** Closes the connection; pending calls fail with `connection-closed`. Idempotent. */
  close(): void;
}

/**
 * A yielded stream item as it will be sent. Bytes are copied as they are
 * yielded: large ones otherwise go out by reference (and a batch is encoded
 * later still), and a producer that refills one buffer and yields it again
 * must not change items already queued.
 */
function ownItem(value: unknown): unknown {
  return value instanceof Uint8Array ? value.slice() : value;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function hasIterator(value: unknown): value is Iterable<unknown> | AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && (Symbol.asyncIterator in value || Symbol.iterator in value);
}

/** Our ids are numbers; a peer that echoes them as strings still finds its call. */
function ownId(id: MessageId): MessageId {
  return typeof id === 'string' && id !== '' && !Number.isNaN(Number(id)) ? Number(id) : id;
}

/**
 * A cheap upper-bound-ish estimate of a value's encoded size: bytes and
 * strings at their length, a few bytes per other item. Stops as soon as it
 * passes `budget`; does not allocate. Deeper than `depth` levels the codec's
 * nesting limit rejects the value anyway.
 */
function estimateSize(value: object, budget: number, depth: number): number {
  if (ArrayBuffer.isView(value)) return value.byteLength + 9;
  if (value instanceof ArrayBuffer) return value.byteLength + 9;
  if (depth <= 0) return 0;
  let size = 5;
  if (Array.isArray(value)) {
    for (let k = 0; k < value.length && size <= budget; k++) size += itemSize(value[k], budget - size, depth);
    return size;
  }
  if (value instanceof Map) {
    for (const [key, item] of value) {
      size += itemSize(key, budget - size, depth) + itemSize(item, budget - size, depth);
      if (size > budget) break;
    }
    return size;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    size += key.length + 1 + itemSize(record[key], budget - size, depth);
    if (size > budget) break;
  }
  return size;
}

function itemSize(item: unknown, budget: number, depth: number): number {
  if (typeof item === 'string') return item.length + 5;
  if (typeof item === 'object' && item !== null) return estimateSize(item, budget, depth - 1);
  return 9;
}

/** A multipart answer being sent in batches: the items gathered and how many make a batch. */
interface BatchState {
  items: unknown[];
  limit: number;
  /** A deferred flush is scheduled. */
  scheduled: boolean;
}

function checkLimit(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(value >= 1)) throw new SparrowError(ErrorCode.InvalidParams, `${name} must be a positive number`);
  return value;
}

type Incoming<M extends Message> = M & { format: WireFormat };

class PeerImpl implements Peer, CallOwner, CallbackChannel {
  readonly remote: string;
  readonly closed: Promise<void>;
  private readonly link: MessageLink;
  private readonly logger: Logger;
  private readonly own: Registry = createRegistry();
  private readonly shared: Registry | undefined;
  private readonly system: ReadonlyMap<string, Registration>;
  private readonly defaultTimeoutMs: number;
  private readonly maxPendingCalls: number;
  private readonly maxConcurrentHandlers: number;
  private readonly maxStreamBuffer: number;
  private readonly maxMessageBytes: number;
  private readonly callerIdentity: unknown;

  private nextId = 1;
  /** The pending-call table: our request id → entry. */
  private readonly pending = new IdTable<PendingEntry>();
  /** Requests of the other side being handled: their id → call (for `#sys.cancel`). */
  private readonly incoming = new Map<MessageId, IncomingCall>();
  private activeHandlers = 0;
  /** The one timeout timer (see SWEEP_MIN_INTERVAL_MS), armed only while a pending entry has a deadline. */
  private sweepTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** When `sweepTimer` fires (ms since epoch); a new deadline before it re-arms the timer. */
  private sweepAt = 0;
  private channelFormat: WireFormat;
  private remoteFeatureSet: Promise<ReadonlySet<string>> | undefined = undefined;
  private remoteCanCancel = false;
  private remoteCanCredit = false;
  private remoteCanBatch = false;
  /** `#sys.credit` grants for requests not seen yet (the caller grants before it sends): their id → items, and the batch opt-in. */
  private readonly earlyGrants = new Map<MessageId, { n: number; batch: boolean }>();
  private closeReason: SparrowError | undefined = undefined;
  private closeListeners: Set<(reason: SparrowError) => void> | undefined = undefined;
  private resolveClosed!: () => void;

  constructor(link: MessageLink, options: PeerOptions) {
    this.link = link;
    this.remote = link.remote;
    this.logger = options.logger ?? consoleLogger;
    this.shared = options.registry;
    this.defaultTimeoutMs = this.checkTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.maxPendingCalls = checkLimit('maxPendingCalls', options.maxPendingCalls, DEFAULT_MAX_PENDING_CALLS);
    this.maxConcurrentHandlers = checkLimit('maxConcurrentHandlers', options.maxConcurrentHandlers, DEFAULT_MAX_CONCURRENT_HANDLERS);
    this.maxStreamBuffer = checkLimit('maxStreamBuffer', options.maxStreamBuffer, DEFAULT_MAX_STREAM_BUFFER);
    this.maxMessageBytes = checkLimit('maxMessageBytes', options.maxMessageBytes, DEFAULT_MAX_MESSAGE_BYTES);
    this.callerIdentity = options.callerIdentity;
    this.channelFormat = { layout: options.layout ?? '0.1.2', serialiser: options.serialiser ?? 'j', protocol: '.5' };
    this.system = createSystemTargets({ cancel: (id) => this.cancelIncoming(id), credit: (id, n, batch) => this.onCredit(id, n, batch), registries: () => (this.shared === undefined ? [this.own] : [this.own, this.shared]) });
    this.closed = new Promise<void>((resolve) => {
      this.resolveClosed = resolve;
    });
    // Last: the link may deliver buffered messages synchronously.
    link.start({
      onMessage: (message) => this.receive(message),
      onProtocolError: (error, fatal) => this.onProtocolError(error, fatal),
      onClose: (error) => this.onLinkClose(error),
    });
  }

  get isClosed(): boolean {
    return this.closeReason !== undefined;
  }

  get format(): Readonly<WireFormat> {
    return this.channelFormat;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  get activeHandlerCount(): number {
    return this.activeHandlers;
  }

  export(name: string, handler: Handler, options?: ExportOptions): () => void {
    return this.own.export(name, handler, options);
  }

  // ---------------------------------------------------------------- outgoing

  call<T = unknown>(target: string, params?: Params, options: CallOptions = {}): Promise<T> {
    const entry = new PendingCall(this, target, options.mapResult, options.mapError);
    this.send(entry, target, params, options, options.quiet === true ? 'quiet' : 'normal', options.timeoutMs, undefined);
    return entry.promise as Promise<T>;
  }

  callStream<T = unknown>(target: string, params?: Params, options: StreamOptions = {}): CallStream<T> {
    const maxBuffer = options.maxBuffer ?? this.maxStreamBuffer;
    const entry = new PendingStream<T>(this, target, maxBuffer);
    if (this.remoteCanCredit) {
      const window = options.window ?? DEFAULT_STREAM_WINDOW;
      // Infinity (or anything not ≥ 1) = no flow control; never more than the buffer may hold.
      if (window >= 1 && window !== Infinity) {
        entry.window = Math.min(Math.floor(window), maxBuffer);
        // Batches only with flow control: the grant is where the caller opts in.
        entry.batched = this.remoteCanBatch;
      }
    }
    this.send(entry, target, params, options, 'normal', options.timeoutMs, undefined);
    if (entry.timeoutMs > 0) entry.lastActivity = entry.deadline - entry.timeoutMs;
    return entry;
  }

  notify(target: string, params?: Params, options: NotifyOptions = {}): void {
    if (this.closeReason !== undefined) throw this.closedError(target);
    // {n: target, [s: namespace]} [params]: always with a params part (§6: Python requires it).
    const message: NotificationMessage = { kind: 'notification', target, params: params ?? {} };
    if (options.namespace !== undefined && options.namespace !== '') message.namespace = options.namespace;
    if (!this.sendOrThrow(message, this.channelFormat, params)) throw this.tooBigError(target);
  }

  remoteFeatures(): Promise<ReadonlySet<string>> {
    this.remoteFeatureSet ??= this.call('features', undefined, { namespace: SYSTEM_NAMESPACE }).then(
      (list) => {
        const features = new Set(Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : []);
        this.remoteCanCancel = features.has('cancel');
        this.remoteCanCredit = features.has('credit');
        this.remoteCanBatch = features.has('batch');
        return features;
      },
      (): ReadonlySet<string> => new Set<string>(),
    );
    return this.remoteFeatureSet;
  }

  onClose(listener: (reason: SparrowError) => void): () => void {
    if (this.closeReason !== undefined) {
      const reason = this.closeReason;
      queueMicrotask(() => listener(reason));
      return () => {};
    }
    (this.closeListeners ??= new Set()).add(listener);
    return () => this.closeListeners?.delete(listener);
  }

  close(): void {
    if (this.closeReason !== undefined) return;
    this.finalize(new SparrowError(ErrorCode.ConnectionClosed, `connection to ${this.remote} was closed by this side`));
    this.link.close();
  }

  /**
   * Sends one request and registers its entry; every failure settles the
   * entry instead of throwing, so `call` never throws synchronously.
   */
  private send(
    entry: PendingEntry,
    target: string,
    params: Params | undefined,
    options: CallOptions | StreamOptions,
    requestType: 'normal' | 'quiet',
    timeoutMs: number | undefined,
    callbackOf: MessageId | undefined,
  ): void {
    if (this.closeReason !== undefined) return entry.fail(this.closedError(target));
    if (this.pending.size >= this.maxPendingCalls) {
      return entry.fail(new SparrowError(ErrorCode.LimitExceeded, `${target}: ${this.maxPendingCalls} calls are already pending`));
    }
    const signal = options.signal;
    if (signal?.aborted === true) return entry.fail(this.abortedError(target, signal));
    let timeout: number;
    try {
      timeout = timeoutMs === undefined ? this.defaultTimeoutMs : this.checkTimeout(timeoutMs);
    } catch (error) {
      return entry.fail(error as SparrowError);
    }
    const id = this.nextId++;
    entry.id = id;
    // {r[a][q]: target, i: id, [c], [s]} [params] [{#cb, #icb}]
    const message: RequestMessage = { kind: 'request', id, target, requestType, ack: options.onAck !== undefined };
    if (options.namespace !== undefined && options.namespace !== '') message.namespace = options.namespace;
    if (callbackOf !== undefined) message.callbackOf = callbackOf;
    try {
      entry.locals = prepareParams(message, params, options.paramKinds);
    } catch (error) {
      return entry.fail(SparrowError.from(error, ErrorCode.InvalidParams));
    }
    entry.onAck = options.onAck;
    this.pending.add(entry);
    if (timeout > 0) {
      entry.timeoutMs = timeout;
      entry.deadline = Date.now() + timeout;
      // Usually the sweep is already armed for an earlier deadline: nothing to do.
      if (this.sweepTimer === undefined || entry.deadline < this.sweepAt) this.armSweep(entry.deadline);
    }
    if (signal !== undefined) {
      entry.signal = signal;
      signal.addEventListener('abort', entry);
    }
    try {
      if (entry instanceof PendingStream && entry.window > 0) {
        // The initial grant goes out first: one connection is ordered, so the
        // callee knows the request is flow-controlled before it arrives.
        entry.outstanding = entry.window;
        this.sendCredit(id, entry.window, entry.batched);
      }
      if (!this.transmit(message, this.channelFormat, message.params)) {
        this.finish(entry);
        entry.fail(this.tooBigError(target));
      }
    } catch (error) {
      this.finish(entry);
      entry.fail(SparrowError.from(error, ErrorCode.SerialisationError));
    }
  }

  /** Removes an entry from the table and releases what it holds. */
  private finish(entry: PendingEntry): void {
    this.pending.delete(entry);
    // The sweep timer stays armed: it disarms itself when it finds nothing to wait for.
    entry.deadline = 0;
    if (entry.signal !== undefined) {
      entry.signal.removeEventListener('abort', entry);
      entry.signal = undefined;
    }
    if (entry.locals !== undefined) this.closeLocals(entry);
  }

  /** Lets the caller's unfinished iterators clean up (generators run their `finally`). */
  private closeLocals(entry: PendingEntry): void {
    for (const slot of entry.locals!.values()) {
      if (slot.kind !== 'iterable' || slot.done || slot.iterator === undefined) continue;
      slot.done = true;
      try {
        const result = slot.iterator.return?.();
        if (isThenable(result)) result.then(undefined, (error: unknown) => this.logger.debug('closing an iterable param failed', error));
      } catch (error) {
        this.logger.debug('closing an iterable param failed', error);
      }
    }
  }

  /** (Re-)arms the sweep timer to fire at `at` (ms since epoch). */
  private armSweep(at: number): void {
    if (this.sweepTimer !== undefined) clearTimeout(this.sweepTimer);
    this.sweepAt = at;
    this.sweepTimer = setTimeout(this.sweep, Math.min(Math.max(at - Date.now(), 0), MAX_TIMER_MS));
  }

  /**
   * The sweep timer: times out every entry whose deadline has passed (a
   * stream's deadline moves with its last part), then re-arms for the
   * earliest deadline left, or stays disarmed when none is left. An arrow
   * property: bound once per peer, not per arming.
   */
  private readonly sweep = (): void => {
    this.sweepTimer = undefined;
    if (this.closeReason !== undefined) return;
    const now = Date.now();
    let next = Infinity;
    let expired: PendingEntry[] | undefined;
    for (const entry of this.pending.values()) {
      if (entry.deadline === 0) continue;
      if (entry instanceof PendingStream) {
        if (entry.window > 0 && entry.outstanding === 0) {
          // The callee waits for our grant (this consumer is slow): not an idle callee.
          entry.lastActivity = now;
        }
        entry.deadline = entry.lastActivity + entry.timeoutMs;
      }
      if (entry.deadline <= now) (expired ??= []).push(entry);
      else if (entry.deadline < next) next = entry.deadline;
    }
    // Settled outside the walk: cancelEntry removes entries from the table.
    if (expired !== undefined) {
      for (const entry of expired) {
        this.cancelEntry(entry, new SparrowError(ErrorCode.Timeout, `${entry.target} timed out after ${entry.timeoutMs} ms`));
      }
    }
    if (next !== Infinity && this.sweepTimer === undefined) this.armSweep(Math.max(next, now + SWEEP_MIN_INTERVAL_MS));
  };

  onEntryAborted(entry: PendingEntry): void {
    const signal = entry.signal;
    if (signal === undefined) return;
    this.cancelEntry(entry, this.abortedError(entry.target, signal));
  }

  cancelEntry(entry: PendingEntry, error: SparrowError | undefined): void {
    if (this.pending.get(entry.id) !== entry) return;
    this.finish(entry);
    if (error === undefined) entry.end();
    else entry.fail(error);
    if (this.remoteCanCancel && this.closeReason === undefined) {
      try {
        this.notify('cancel', { id: entry.id }, { namespace: SYSTEM_NAMESPACE });
      } catch (sendError) {
        this.logger.debug('sending #sys.cancel failed', sendError);
      }
    }
  }

  grantCredit(entry: PendingEntry, n: number): void {
    if (this.closeReason !== undefined || this.pending.get(entry.id) !== entry) return;
    this.sendCredit(entry.id, n);
  }

  /** {n: "credit", s: "#sys"} [{id, n}], the initial grant of a batched stream with `batch: true` */
  private sendCredit(id: MessageId, n: number, batch = false): void {
    this.link.send(
      { kind: 'notification', target: 'credit', namespace: SYSTEM_NAMESPACE, params: batch ? { id, n, batch } : { id, n } } satisfies NotificationMessage,
      this.channelFormat,
    );
  }

  /**
   * A `#sys.credit` grant: feeds a running flow-controlled answer, or is held
   * (bounded) until its request arrives. `batch` counts only before the
   * request: a running answer keeps the form it started in.
   */
  private onCredit(id: MessageId, n: number, batch: boolean): void {
    const call = this.incoming.get(id);
    if (call !== undefined) {
      call.grant(n);
      return;
    }
    const early = this.earlyGrants.get(id);
    if (early !== undefined) {
      // The opt-in is the first grant's: a later one only adds credit.
      early.n = Math.min(early.n + n, 0x7fffffff);
      return;
    }
    // Grants for ids that never arrive (or already ended) must not grow memory: evict the oldest.
    if (this.earlyGrants.size >= MAX_EARLY_GRANTS) this.earlyGrants.delete(this.earlyGrants.keys().next().value!);
    this.earlyGrants.set(id, { n, batch });
  }

  // ------------------------------------------------ callee-side callback proxies

  callbackNotify(call: IncomingCall, name: string, params: Params | undefined): void {
    if (call.ended) throw this.endedError(call, name);
    if (this.closeReason !== undefined) throw this.closedError(name);
    // {n: name, c: N} [params]
    const message: NotificationMessage = { kind: 'notification', target: name, callbackOf: call.id!, params: params ?? {} };
    if (!this.sendOrThrow(message, this.channelFormat, params)) throw this.tooBigError(name);
  }

  callbackRequest(call: IncomingCall, name: string, params: Params | undefined): Promise<unknown> {
    if (call.ended) return Promise.reject(this.endedError(call, name));
    const entry = new PendingCall(this, name);
    this.send(entry, name, params, {}, 'normal', undefined, call.id);
    return entry.promise;
  }

  pull(call: IncomingCall, name: string): Promise<ResponseMessage> {
    if (call.ended) return Promise.reject(this.endedError(call, name));
    const entry = new PendingPull(this, name);
    this.send(entry, name, undefined, {}, 'normal', undefined, call.id);
    return entry.promise as Promise<ResponseMessage>;
  }

  // ---------------------------------------------------------------- incoming

  private receive(message: IncomingMessage): void {
    if (this.closeReason !== undefined) return;
    try {
      switch (message.kind) {
        case 'request':
          // {r[a][q|s]: target, i: N, [c: M], [s: ns]} [params] [{#cb, #icb}]
          if (message.callbackOf === undefined) this.onRequest(message);
          else this.onCallbackRequest(message);
          break;
        case 'notification':
          // {n: target, [c: M], [s: ns]} [params]
          if (message.callbackOf === undefined) this.onNotification(message);
          else this.onCallbackNotification(message);
          break;
        case 'response': {
          // {p[m][f|t][a]: N, [i]} [result]
          const entry = this.pending.get(ownId(message.to));
          if (entry === undefined) {
            this.logger.debug(`response to unknown request ${String(message.to)} dropped`);
          } else if (entry.onResponse(message)) {
            this.finish(entry);
          }
          break;
        }
        case 'exception': {
          // {x[a]: N, [i]} [{cat, type, msg, [details], [value], [data]}]
          const entry = this.pending.get(ownId(message.to));
          if (entry === undefined) {
            this.logger.debug(`exception for unknown request ${String(message.to)} dropped`);
          } else {
            this.finish(entry);
            entry.fail(fromWireError(message.error));
          }
          break;
        }
        case 'ack': {
          // {a: N}
          const entry = this.pending.get(ownId(message.to));
          if (entry === undefined) {
            this.logger.debug(`acknowledge for unknown request ${String(message.to)} dropped`);
          } else if (entry.onAck !== undefined) {
            // A repeated ack is harmless: report the first only.
            if (!entry.acked) {
              entry.acked = true;
              this.runListener(entry.onAck);
            }
          } else {
            // The reference answers an unknown target with a bare ack and nothing
            // else (§7.6): an ack nobody asked for means "target not found".
            this.finish(entry);
            entry.fail(new SparrowError(ErrorCode.TargetNotFound, `target ${entry.target} not found (the remote peer acknowledged a request that asked for no acknowledge)`));
          }
          break;
        }
        default:
          this.logger.debug('message of unknown kind dropped', message);
      }
    } catch (error) {
      this.logger.error('handling an incoming message failed', error);
    }
  }

  private lookup(namespace: string, name: string): Registration | undefined {
    if (namespace === SYSTEM_NAMESPACE) return this.system.get(name);
    return this.own.lookup(namespace, name) ?? this.shared?.lookup(namespace, name);
  }

  /** §8: a top-level call from the other side sets the format of the calls this side starts. */
  private adopt(format: WireFormat): void {
    const current = this.channelFormat;
    // The basic encoder (`b`) cannot carry callbacks or streams: never start calls in it.
    const protocol = format.protocol ?? '.5';
    if (protocol !== '.5') return;
    if (current.serialiser === format.serialiser && current.layout === format.layout) return;
    this.channelFormat = { layout: format.layout, serialiser: format.serialiser, protocol };
  }

  private onRequest(message: Incoming<RequestMessage>): void {
    this.adopt(message.format);
    const namespace = message.namespace ?? '';
    const registration = this.lookup(namespace, message.target);
    if (registration === undefined) {
      this.logger.debug(`request for unknown target ${describeTarget(namespace, message.target)}`);
      this.sendException(message.id, { cat: 'r', type: 'TargetNotFound', msg: `target ${message.target} not found` }, message.format);
      return;
    }
    this.startRequest(message, registration.handler, namespace, registration.multipart, registration.callbacks);
  }

  /** A callback request from the callee of our pending call `c`: call a local function, or pull an iterable. */
  private onCallbackRequest(message: Incoming<RequestMessage>): void {
    const slot = this.pending.get(ownId(message.callbackOf!))?.locals?.get(message.target);
    if (slot === undefined) {
      this.sendException(
        message.id,
        { cat: 'r', type: 'TargetNotFound', msg: `callback ${message.target} not found: request ${String(message.callbackOf)} is not pending or did not declare it` },
        message.format,
      );
      return;
    }
    if (slot.kind === 'iterable') {
      if (message.ack) this.sendAck(message.id, message.format);
      void this.answerPull(slot, message);
      return;
    }
    this.startRequest(message, slot.fn, '', false, undefined);
  }

  private startRequest(
    message: Incoming<RequestMessage>,
    handler: Handler,
    namespace: string,
    multipart: boolean,
    callbackStyles: Registration['callbacks'],
  ): void {
    if (this.activeHandlers >= this.maxConcurrentHandlers) {
      this.logger.warn(`request ${describeTarget(namespace, message.target)} refused: ${this.maxConcurrentHandlers} handlers are running`);
      this.sendException(
        message.id,
        { cat: 'r', type: 'LimitExceeded', msg: `too many concurrent requests (limit ${this.maxConcurrentHandlers})` },
        message.format,
      );
      return;
    }
    const raw = message.params;
    if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) {
      // Params are always named (§6): the reference fails a list with AttributeError.
      this.sendException(message.id, { cat: 'r', type: 'InvalidParams', msg: 'params must be a map of name to value' }, message.format);
      return;
    }
    if (message.ack) this.sendAck(message.id, message.format);
    const call = new IncomingCall(
      this,
      message.target,
      namespace,
      message.id,
      message.format,
      this.callerIdentity,
      message.requestType === 'quiet',
      callbackStyles,
    );
    if (message.requestType === 'silent') {
      // What the reference intends (§7.4; its own implementation sends nothing):
      // an empty response on delivery, then run the handler with no answer.
      this.sendResponse({ kind: 'response', to: message.id, multipart: false, ack: false, hasResult: false }, message.format);
      call.silenced = true;
    }
    const params = message.declarations === undefined ? (message.params ?? {}) : bindDeclaredParams(message.params ?? {}, message.declarations, call, this);
    if (this.earlyGrants.size > 0) {
      const granted = this.earlyGrants.get(message.id);
      if (granted !== undefined) {
        this.earlyGrants.delete(message.id);
        // Only a multipart answer is paced; a grant for anything else is moot.
        if (multipart) {
          call.credit = granted.n;
          call.batch = granted.batch;
        }
      }
    }
    this.activeHandlers++;
    this.runRequest(call, handler, params, multipart);
  }

  /**
   * Runs a handler and answers. A plain handler that returns a value is
   * answered synchronously without an async function (one promise less
   * per call on the server); a promise or a multipart answer continues in
   * `finishRequest`.
   */
  private runRequest(call: IncomingCall, handler: Handler, params: Params, multipart: boolean): void {
    try {
      const result = handler(params, call);
      if (multipart || isThenable(result)) {
        // Only a call that outlives this tick can be cancelled, credited or
        // aborted by a close, so only such a call enters the table (no
        // insert and delete per plain call).
        this.incoming.set(call.id!, call);
        if (this.closeReason !== undefined) call.abort(this.closeReason);
        void this.finishRequest(call, result, multipart);
        return;
      }
      this.answer(call, result);
    } catch (error) {
      this.answerError(call, error);
    }
    this.endRequest(call);
  }

  private async finishRequest(call: IncomingCall, pending: unknown, multipart: boolean): Promise<void> {
    try {
      const result = isThenable(pending) ? await pending : pending;
      if (multipart) await this.sendParts(call, result);
      else this.answer(call, result);
    } catch (error) {
      this.answerError(call, error);
    } finally {
      this.endRequest(call);
    }
  }

  /** {p: N} [result] (no part for undefined/null, and none for quiet requests). */
  private answer(call: IncomingCall, result: unknown): void {
    if (call.silenced) return;
    const response: ResponseMessage = { kind: 'response', to: call.id!, multipart: false, ack: false, hasResult: false };
    if (!call.quiet && result !== undefined && result !== null) {
      response.hasResult = true;
      response.result = result;
    }
    this.sendResponse(response, call.format);
  }

  private answerError(call: IncomingCall, error: unknown): void {
    if (call.silenced) return;
    this.logger.debug(`handler ${describeTarget(call.namespace, call.target)} failed`, error);
    this.sendException(call.id!, toWireError(error), call.format);
  }

  private endRequest(call: IncomingCall): void {
    call.ended = true;
    if (this.incoming.get(call.id!) === call) this.incoming.delete(call.id!);
    this.activeHandlers--;
  }

  /**
   * {pm: N} [item] per item, then {pmt: N}; an error part-way goes out as
   * {x: N} (§7.7). A caller that opted in gets {pm: N} [[item, ...]] instead
   * (feature `batch`, `sendBatches`).
   */
  private async sendParts(call: IncomingCall, result: unknown): Promise<void> {
    if (!hasIterator(result)) {
      throw new SparrowError(ErrorCode.CalleeError, `multipart handler ${describeTarget(call.namespace, call.target)} returned no iterable`);
    }
    const iterator = openIterator(result);
    let done = false;
    try {
      done = call.batch ? await this.sendBatches(call, iterator) : await this.sendEach(call, iterator);
    } finally {
      if (!done) {
        const closing = iterator.return?.();
        if (isThenable(closing)) await closing;
      }
    }
    if (!call.silenced) {
      this.sendResponse({ kind: 'response', to: call.id!, multipart: true, final: 'terminator', ack: false, hasResult: false }, call.format);
    }
  }

  /** One part per item. Returns true when the iterator finished. */
  private async sendEach(call: IncomingCall, iterator: Iterator<unknown> | AsyncIterator<unknown>): Promise<boolean> {
    while (!call.silenced) {
      // Flow control: the producing iterator is not pulled until the caller has room.
      if (call.credit === 0) {
        await this.creditGranted(call);
        if (call.silenced) break;
      }
      let step = iterator.next();
      if (isThenable(step)) step = await step;
      if (step.done === true) return true;
      if (call.silenced) break;
      const part: ResponseMessage = { kind: 'response', to: call.id!, multipart: true, ack: false, hasResult: false };
      if (step.value !== undefined && step.value !== null) {
        part.hasResult = true;
        part.result = ownItem(step.value);
      }
      if (call.credit > 0) call.credit--;
      if (!this.sendResponse(part, call.format)) {
        // The part went out as an exception: that ended the stream for the caller.
        call.silenced = true;
        break;
      }
      // Backpressure from the transport: a fast generator must not fill memory.
      if (this.link.bufferedAmount > SEND_HIGH_WATER_MARK) await this.link.drained();
    }
    return false;
  }

  /**
   * Batched parts, {pm: N} [[item, ...]]: a batch takes what the iterator has
   * ready without waiting for more. A sync iterator is pulled until the
   * credit or the batch size runs out; when an async iterator's next item is
   * not ready, what was gathered leaves in the next macrotask (or sooner,
   * once the batch fills), so no item waits on a slow producer. Credit
   * counts items, as unbatched. Returns true when the iterator finished;
   * what was gathered is sent first, also when the iterator throws.
   */
  private async sendBatches(call: IncomingCall, iterator: Iterator<unknown> | AsyncIterator<unknown>): Promise<boolean> {
    const state: BatchState = { items: [], limit: FIRST_BATCH_ITEMS, scheduled: false };
    try {
      while (!call.silenced) {
        if (call.credit === 0) {
          if (!this.flushBatch(call, state)) break;
          await this.creditGranted(call);
          if (call.silenced) break;
        }
        let step = iterator.next();
        if (isThenable(step)) {
          if (state.items.length > 0 && !state.scheduled) {
            state.scheduled = true;
            // An async producer's gathered items leave in the next macrotask, unless the batch fills first.
            nextMacrotask(() => {
              state.scheduled = false;
              this.flushBatch(call, state);
            });
          }
          step = await step;
        }
        if (step.done === true) return true;
        if (call.silenced) break;
        state.items.push(ownItem(step.value));
        call.credit--;
        if (state.items.length >= state.limit) {
          if (!this.flushBatch(call, state)) break;
          // Backpressure from the transport: a fast generator must not fill memory.
          if (this.link.bufferedAmount > SEND_HIGH_WATER_MARK) await this.link.drained();
        }
      }
      return false;
    } finally {
      this.flushBatch(call, state);
    }
  }

  /** Resolves once the caller granted credit, or the call was stopped. */
  private creditGranted(call: IncomingCall): Promise<void> {
    return new Promise<void>((resolve) => {
      call.creditWaiter = resolve;
    });
  }

  /** Sends the gathered items as one part, if any. Returns false once the answer was stopped (nothing more may go out). */
  private flushBatch(call: IncomingCall, state: BatchState): boolean {
    if (call.silenced) return false;
    const items = state.items;
    if (items.length === 0) return true;
    state.items = [];
    if (this.sendBatch(call, items, state)) return true;
    call.silenced = true;
    return false;
  }

  /**
   * {pm: N} [[item, ...]]. A batch over `maxMessageBytes` or that fails to
   * encode is split in halves, so the items before a bad one still go out
   * and the bad one alone is answered with `x`, as unbatched. Returns
   * false when it ended the answer that way (or the peer is closed).
   */
  private sendBatch(call: IncomingCall, items: unknown[], state: BatchState): boolean {
    if (this.closeReason !== undefined) return false;
    const part: ResponseMessage = { kind: 'response', to: call.id!, multipart: true, ack: false, hasResult: true, result: items };
    let length: number;
    let failure: unknown;
    try {
      // 0 from a link that cannot measure: the batch size stays where it is.
      length = this.link.send(part, call.format, this.maxMessageBytes);
    } catch (error) {
      length = -1;
      failure = error;
    }
    if (length >= 0) {
      if (length > 0) state.limit = Math.max(1, Math.min(MAX_BATCH_ITEMS, Math.floor((items.length * Math.min(BATCH_BYTES, this.maxMessageBytes / 2)) / length)));
      return true;
    }
    if (items.length > 1) {
      const half = items.length >> 1;
      return this.sendBatch(call, items.slice(0, half), state) && this.sendBatch(call, items.slice(half), state);
    }
    if (failure === undefined) {
      this.sendException(call.id!, toWireError(this.tooBigError(`the answer to request ${String(call.id)}`)), call.format);
    } else {
      this.logger.debug('encoding a response failed', failure);
      this.sendException(call.id!, toWireError(SparrowError.from(failure, ErrorCode.SerialisationError)), call.format);
    }
    return false;
  }

  private onNotification(message: Incoming<NotificationMessage>): void {
    this.adopt(message.format);
    const namespace = message.namespace ?? '';
    const registration = this.lookup(namespace, message.target);
    if (registration === undefined) {
      // §7.3: never answered, even for an unknown target.
      this.logger.debug(`notification for unknown target ${describeTarget(namespace, message.target)} ignored`);
      return;
    }
    if (namespace === SYSTEM_NAMESPACE) {
      // cancel and credit run inline: they are tiny, must keep their order, and
      // must never be dropped by maxConcurrentHandlers (a lost grant would stall a stream).
      const params = message.params;
      if (typeof params === 'object' && params !== null && !Array.isArray(params)) registration.handler(params, undefined as never);
      return;
    }
    this.startNotification(message, registration.handler, namespace);
  }

  private onCallbackNotification(message: Incoming<NotificationMessage>): void {
    const slot = this.pending.get(ownId(message.callbackOf!))?.locals?.get(message.target);
    if (slot === undefined || slot.kind !== 'callback') {
      // The reference drops these as "invalid request id" too (§7.8).
      this.logger.debug(`callback notification ${message.target} for request ${String(message.callbackOf)} dropped`);
      return;
    }
    this.startNotification(message, slot.fn, '');
  }

  private startNotification(message: Incoming<NotificationMessage>, handler: Handler, namespace: string): void {
    const params = message.params ?? {};
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      this.logger.warn(`notification ${describeTarget(namespace, message.target)} dropped: params are not a map`);
      return;
    }
    if (this.activeHandlers >= this.maxConcurrentHandlers) {
      this.logger.warn(`notification ${describeTarget(namespace, message.target)} dropped: ${this.maxConcurrentHandlers} handlers are running`);
      return;
    }
    const call = new IncomingCall(this, message.target, namespace, undefined, message.format, this.callerIdentity, false, undefined);
    this.activeHandlers++;
    void this.runNotification(call, handler, params);
  }

  private async runNotification(call: IncomingCall, handler: Handler, params: Params): Promise<void> {
    try {
      const result = handler(params, call);
      if (isThenable(result)) await result;
    } catch (error) {
      this.logger.warn(`notification handler ${describeTarget(call.namespace, call.target)} failed`, error);
    } finally {
      call.ended = true;
      this.activeHandlers--;
    }
  }

  /** Answers one pull of an iterable param (§7.9): {p: M} [item], {pt: M} at the end, {x: M} on error. */
  private async answerPull(slot: IterableSlot, message: Incoming<RequestMessage>): Promise<void> {
    const response: ResponseMessage = { kind: 'response', to: message.id, multipart: false, ack: false, hasResult: false };
    try {
      if (!slot.done) {
        slot.iterator ??= openIterator(slot.source);
        let step = slot.iterator.next();
        if (isThenable(step)) step = await step;
        if (step.done === true) {
          slot.done = true;
        } else if (step.value !== undefined && step.value !== null) {
          response.hasResult = true;
          response.result = step.value;
        }
      }
    } catch (error) {
      slot.done = true;
      this.sendException(message.id, toWireError(error), message.format);
      return;
    }
    if (slot.done) response.final = 'terminator';
    this.sendResponse(response, message.format);
  }

  private cancelIncoming(id: MessageId): void {
    const call = this.incoming.get(id);
    if (call === undefined) return;
    this.incoming.delete(id);
    call.abort(new SparrowError(ErrorCode.Aborted, `${describeTarget(call.namespace, call.target)} was cancelled by the caller`));
  }

  // ------------------------------------------------------------- sending helpers

  /**
   * Sends a response; when its result is too big or cannot be encoded,
   * answers with an exception instead (as the reference does) and returns
   * false, so a multipart sender stops there.
   */
  private sendResponse(response: ResponseMessage, format: WireFormat): boolean {
    if (this.closeReason !== undefined) return false;
    try {
      if (this.transmit(response, format, response.hasResult ? response.result : undefined)) return true;
      this.sendException(response.to, toWireError(this.tooBigError(`the answer to request ${String(response.to)}`)), format);
      return false;
    } catch (error) {
      this.logger.debug('encoding a response failed', error);
      const wire = toWireError(SparrowError.from(error, ErrorCode.SerialisationError));
      this.sendException(response.to, wire, format);
      return false;
    }
  }

  private sendException(to: MessageId, error: WireError, format: WireFormat): void {
    if (this.closeReason !== undefined) return;
    try {
      this.link.send({ kind: 'exception', to, ack: false, error }, format);
    } catch (sendError) {
      // Only `data` can fail to encode: retry with the reference's three keys.
      try {
        this.link.send({ kind: 'exception', to, ack: false, error: { cat: error.cat, type: error.type, msg: error.msg } }, format);
      } catch {
        this.logger.error(`could not send the exception for request ${String(to)}`, sendError);
      }
    }
  }

  private sendAck(to: MessageId, format: WireFormat): void {
    if (this.closeReason !== undefined) return;
    try {
      this.link.send({ kind: 'ack', to }, format);
    } catch (error) {
      this.logger.error(`could not send the acknowledge for request ${String(to)}`, error);
    }
  }

  /** `transmit`, with encoding errors thrown as `serialisation-error`. Returns false when too big (nothing sent). */
  private sendOrThrow(message: Message, format: WireFormat, payload: unknown): boolean {
    try {
      return this.transmit(message, format, payload);
    } catch (error) {
      throw SparrowError.from(error, ErrorCode.SerialisationError);
    }
  }

  /**
   * Sends a message whose `payload` is subject to `maxMessageBytes`; returns
   * false, sending nothing, when it is over. The link measures the encoded
   * message exactly (no walk over the value: that walk was 1.3 % of a
   * streaming server's samples).
   * Throws what the encoder throws.
   */
  private transmit(message: Message, format: WireFormat, payload: unknown): boolean {
    return this.link.send(message, format, this.maxMessageBytes) >= 0;
  }

  private runListener(listener: () => void): void {
    try {
      listener();
    } catch (error) {
      this.logger.warn('an onAck listener threw', error);
    }
  }

  // ---------------------------------------------------------------- lifecycle

  private onProtocolError(error: SparrowError, fatal: boolean): void {
    if (!fatal) {
      this.logger.warn(`message from ${this.remote} dropped: ${error.message}`, error);
      return;
    }
    this.logger.error(`protocol error from ${this.remote}, closing: ${error.message}`, error);
    if (this.closeReason !== undefined) return;
    this.finalize(new SparrowError(ErrorCode.ConnectionClosed, `connection to ${this.remote} closed after a protocol error: ${error.message}`, { cause: error }));
    this.link.close();
  }

  private onLinkClose(error?: Error): void {
    const message = error === undefined ? `connection to ${this.remote} closed` : `connection to ${this.remote} broke: ${error.message}`;
    this.finalize(new SparrowError(ErrorCode.ConnectionClosed, message, error === undefined ? {} : { cause: error }));
  }

  private finalize(reason: SparrowError): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    if (this.sweepTimer !== undefined) {
      clearTimeout(this.sweepTimer);
      this.sweepTimer = undefined;
    }
    const entries = [...this.pending.values()];
    for (const entry of entries) this.finish(entry);
    for (const entry of entries) entry.fail(this.closedError(entry.target));
    for (const call of this.incoming.values()) call.abort(reason);
    this.incoming.clear();
    const listeners = this.closeListeners;
    this.closeListeners = undefined;
    if (listeners !== undefined) {
      for (const listener of listeners) {
        try {
          listener(reason);
        } catch (error) {
          this.logger.warn('an onClose listener threw', error);
        }
      }
    }
    this.resolveClosed();
  }

  // ---------------------------------------------------------------- errors

  private checkTimeout(timeoutMs: number): number {
    if (timeoutMs === Infinity || timeoutMs === 0) return 0;
    if (!(timeoutMs > 0)) throw new SparrowError(ErrorCode.InvalidParams, `timeoutMs must be a positive number, 0 or Infinity (got ${String(timeoutMs)})`);
    return Math.min(timeoutMs, MAX_TIMER_MS);
  }

  private closedError(target: string): SparrowError {
    const reason = this.closeReason;
    return new SparrowError(ErrorCode.ConnectionClosed, `${target}: ${reason?.message ?? 'connection closed'}`, reason?.cause === undefined ? {} : { cause: reason.cause });
  }

  private abortedError(target: string, signal: AbortSignal): SparrowError {
    return new SparrowError(ErrorCode.Aborted, `${target} was aborted`, { cause: signal.reason });
  }

  /** True when `value`'s estimated encoded size is within `maxMessageBytes` (links that do not check sizes). Scalars cost one typeof. */
  private fits(value: unknown): boolean {
    if (typeof value !== 'object' || value === null) {
      return typeof value !== 'string' || value.length <= this.maxMessageBytes;
    }
    return estimateSize(value, this.maxMessageBytes, 64) <= this.maxMessageBytes;
  }

  private tooBigError(what: string): SparrowError {
    return new SparrowError(
      ErrorCode.LimitExceeded,
      `${what}: payload larger than ${this.maxMessageBytes} bytes (the receiver's chain limit); split it or stream it`,
    );
  }

  private endedError(call: IncomingCall, name: string): SparrowError {
    return new SparrowError(
      ErrorCode.InvalidState,
      `callback ${name} of ${describeTarget(call.namespace, call.target)} used after the call ended`,
    );
  }
}

/**
 * Creates the peer of one connection and starts reading from `link`.
 *
 * Both sides of a connection use the same API. The side that dials usually
 * sets `serialiser`/`layout`; the listening side adopts whatever the other
 * side's first call used (§8).
 * @throws SparrowError `invalid-params` for a non-positive limit or timeout.
 */
export function createPeer(link: MessageLink, options: PeerOptions = {}): Peer {
  return new PeerImpl(link, options);
}
