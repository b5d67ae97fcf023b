/**
 * The table of outgoing calls: one entry per request this side sent and
 * still waits on, keyed by its id (PROTOCOL.md §7.1), with the limits a
 * request must pass, the timeouts and the one sweep timer that enforces
 * them, and settling: the answers of the other side (response, exception,
 * ack), timeouts, aborts and cancels. The entries (pending-call.ts) only
 * turn answers into what their callers see.
 *
 * Hot-path note: timeouts are a `deadline` per entry checked by the one
 * sweep timer, not a timer per call.
 */
import { ErrorCode, SparrowError, receivedError } from '../errors.ts';
import type { AckMessage, ExceptionMessage, MessageId, ResponseMessage } from '../envelope/message.ts';
import { positiveOption } from './guards.ts';
import type { EntryStore } from './id-table.ts';
import type { Logger } from './logger.ts';
import { abortedError, type CallOwner, type PendingEntry } from './pending-call.ts';
import type { CallOptions, PeerOptions, StreamOptions } from './types.ts';

/** Default per-call timeout: 30 s. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Default limit of requests this side may have pending at once. */
export const DEFAULT_MAX_PENDING_CALLS = 10_000;
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

/**
 * A timeout in ms as the table keeps it: 0 = none (`0` or `Infinity`), else
 * clamped to what a timer can wait.
 * @throws SparrowError `invalid-params` for a negative or non-number timeout.
 */
export function checkTimeout(timeoutMs: number): number {
  if (timeoutMs === Infinity || timeoutMs === 0) return 0;
  if (!(timeoutMs > 0)) throw new SparrowError(ErrorCode.InvalidParams, `timeoutMs must be a positive number, 0 or Infinity (got ${String(timeoutMs)})`);
  return Math.min(timeoutMs, MAX_TIMER_MS);
}

/** What a request's `onAck` becomes once reported. */
const ignore = (): void => {};

let createStore = (): EntryStore<PendingEntry> => new Map<number, PendingEntry>();

/**
 * Sets how every later call table keeps its entries: Node installs
 * `IdTable` (connection/node-parts.ts), the fast path a busy server needs;
 * a browser page keeps the Map.
 */
export function setCallStore(create: () => EntryStore<PendingEntry>): void {
  createStore = create;
}

/** The pending requests of one peer, their ids and their timeouts. */
export class CallTable implements CallOwner {
  #nextId = 1;
  readonly #entries = createStore();
  readonly #timeoutMs: number;
  readonly #maxPending: number;
  readonly #logger: Logger;
  /** Tells the other side that an entry was given up (`#sys.cancel`: the discovery part sets it). */
  onCancel: ((entry: PendingEntry) => void) | undefined;
  /** The one timeout timer (see SWEEP_MIN_INTERVAL_MS), armed only while an entry has a deadline. */
  #sweepTimer: ReturnType<typeof setTimeout> | undefined;
  /** When `sweepTimer` fires (ms since epoch); a new deadline before it re-arms the timer. */
  #sweepAt = 0;

  /** @throws SparrowError `invalid-params` for a bad `timeoutMs` or `maxPendingCalls`. */
  constructor(options: Pick<PeerOptions, 'timeoutMs' | 'maxPendingCalls'>, logger: Logger) {
    this.#timeoutMs = checkTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.#maxPending = positiveOption('maxPendingCalls', options.maxPendingCalls, DEFAULT_MAX_PENDING_CALLS);
    this.#logger = logger;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The entry answered by `id` (as the other side echoed it), if pending. */
  get(id: MessageId): PendingEntry | undefined {
    // Our ids are numbers; a peer that echoes them as strings still finds its call. A string
    // that is no number becomes NaN (or 0 when empty), which no call has (ids start at 1).
    return this.#entries.get(+id);
  }

  /** True while `entry` is in the table. */
  has(entry: PendingEntry): boolean {
    return this.#entries.get(entry.id) === entry;
  }

  /**
   * Checks that a request to `target` may start now and returns its
   * timeout (ms, 0 = none).
   * @throws SparrowError `limit-exceeded` at `maxPendingCalls`, `aborted`
   *   for a signal that already fired, `invalid-params` for a bad `timeoutMs`.
   */
  admit(target: string, options: CallOptions | StreamOptions): number {
    if (this.size >= this.#maxPending) throw new SparrowError(ErrorCode.LimitExceeded, `${target}: ${this.#maxPending} calls are already pending`);
    if (options.signal?.aborted === true) throw abortedError(target, options.signal);
    return options.timeoutMs === undefined ? this.#timeoutMs : checkTimeout(options.timeoutMs);
  }

  /** The id of the next request (ids are own numbers in sequence, §7.1). */
  takeId(): number {
    return this.#nextId++;
  }

  /**
   * Adds `entry` under its id (from `takeId`), and arms its timeout
   * (`timeoutMs` as `admit` returned it) and its abort listener.
   */
  add(entry: PendingEntry, timeoutMs: number, signal: AbortSignal | undefined): void {
    this.#entries.set(entry.id, entry);
    if (timeoutMs > 0) {
      entry.timeoutMs = timeoutMs;
      entry.deadline = Date.now() + timeoutMs;
      // Usually the sweep is already armed for an earlier deadline: nothing to do.
      if (this.#sweepTimer === undefined || entry.deadline < this.#sweepAt) this.#armSweep(entry.deadline);
    }
    if (signal) {
      entry.signal = signal;
      signal.addEventListener('abort', entry);
    }
  }

  /** Removes an entry from the table and releases what it holds. */
  finish(entry: PendingEntry): void {
    // Ids are never reused, so the entry under its id is the entry itself.
    this.#entries.delete(entry.id);
    // The sweep timer stays armed: it disarms itself when it finds nothing to wait for.
    entry.deadline = 0;
    if (entry.signal) {
      entry.signal.removeEventListener('abort', entry);
      entry.signal = undefined;
    }
    entry.locals?.close();
  }

  /** `CallOwner.cancelEntry`: timeouts, aborts and streams the caller stopped reading. */
  cancelEntry(entry: PendingEntry, error: SparrowError | undefined): void {
    if (!this.has(entry)) return;
    this.finish(entry);
    if (error) entry.fail(error);
    else entry.end?.();
    this.onCancel?.(entry);
  }

  /**
   * An answer to one of our requests: a response goes to its entry (which
   * says whether it ended the request), an exception fails it, an ack is
   * reported to `onAck`. Answers to ids not pending are dropped.
   */
  settle(message: ResponseMessage | ExceptionMessage | AckMessage, bytes?: number): void {
    const entry = this.get(message.to);
    if (!entry) {
      this.#logger.debug(`${message.kind} for unknown request ${message.to} dropped`);
    } else if (message.kind === 'response') {
      if (entry.onResponse(message, bytes)) this.finish(entry);
    } else if (message.kind === 'ack' && entry.onAck) {
      // A repeated ack is harmless: report the first only.
      const onAck = entry.onAck;
      entry.onAck = ignore;
      try {
        onAck();
      } catch (error) {
        this.#logger.warn('an onAck listener threw', error);
      }
    } else {
      this.finish(entry);
      // The reference answers an unknown target with a bare ack and nothing
      // else (§7.6): an ack nobody asked for means "target not found".
      entry.fail(message.kind === 'exception' ? receivedError(message.error) : new SparrowError(ErrorCode.TargetNotFound, `target ${entry.target} not found (the other side sent a bare acknowledge)`));
    }
  }

  /** Stops the sweep (it stays disarmed with nothing left) and removes every entry; returns them (the peer fails them). */
  drain(): PendingEntry[] {
    clearTimeout(this.#sweepTimer);
    const entries = [...this.#entries.values()];
    for (const entry of entries) this.finish(entry);
    return entries;
  }

  /** (Re-)arms the sweep timer to fire at `at` (ms since epoch). */
  #armSweep(at: number): void {
    clearTimeout(this.#sweepTimer);
    this.#sweepAt = at;
    this.#sweepTimer = setTimeout(this.#sweep, Math.min(Math.max(at - Date.now(), 0), MAX_TIMER_MS));
  }

  /**
   * The sweep timer: times out every entry whose deadline has passed, then
   * re-arms for the earliest deadline left, or stays disarmed when none is
   * left. An arrow property: bound once per table, not per arming.
   */
  readonly #sweep = (): void => {
    this.#sweepTimer = undefined;
    const now = Date.now();
    let next = Infinity;
    const expired: PendingEntry[] = [];
    for (const entry of this.#entries.values()) {
      if (entry.deadline === 0) continue;
      entry.refreshDeadline?.(now);
      if (entry.deadline <= now) expired.push(entry);
      else next = Math.min(next, entry.deadline);
    }
    // Settled outside the walk: expiring removes entries from the table.
    for (const entry of expired) this.cancelEntry(entry, new SparrowError(ErrorCode.Timeout, `${entry.target} timed out after ${entry.timeoutMs} ms`));
    // Nothing left (a cancel may have closed the peer, which drained the table): stay disarmed.
    if (next !== Infinity && this.#sweepTimer === undefined && this.size > 0) this.#armSweep(Math.max(next, now + SWEEP_MIN_INTERVAL_MS));
  };
}
