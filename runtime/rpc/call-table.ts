/**
 * The table of outgoing calls: one entry per request this side sent and
 * still waits on, keyed by its id (PROTOCOL.md §7.1), with the timeouts and
 * the one sweep timer that enforces them. An entry only turns wire responses
 * into what its caller sees; the table owns ids, deadlines, abort listeners
 * and removal.
 *
 * Hot-path notes: an entry is one object that is also the abort listener
 * (`handleEvent`), so a call allocates no closures beyond its promise
 * executor; timeouts are a `deadline` per entry checked by the one sweep
 * timer, not a timer per call.
 */
import { ErrorCode, SparrowError, fromWireError } from '../errors.ts';
import type { AckMessage, ExceptionMessage, MessageId, ResponseMessage } from '../envelope/message.ts';
import { IdTable } from './id-table.ts';
import type { Logger } from './logger.ts';

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
 * The callee answered a plain call with a multipart response, or a stream
 * call with a single one (code `protocol-error`). `multipart` says which it
 * sent, so tools can tell the caller how to call it without reading the message.
 */
export class ResponseKindError extends SparrowError {
  override readonly name: string = 'ResponseKindError';
  /** True when the callee answered with a multipart response. */
  readonly multipart: boolean;

  constructor(target: string, multipart: boolean) {
    super(
      ErrorCode.ProtocolError,
      multipart ? `${target} answered with a multipart response; call it as a stream` : `${target} answered with a single response; call it as a plain call`,
    );
    this.multipart = multipart;
  }
}

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

/** What entries need from the peer that owns them. */
export interface CallOwner {
  /**
   * Removes the entry, settles it with `error` (or ends it cleanly when
   * undefined) and tells the remote side with `#sys.cancel` when it
   * supports that.
   */
  cancelEntry(entry: PendingEntry, error: SparrowError | undefined): void;
}

/** What a request keeps for the callee to reach with `c` (callbacks, iterables); released when the request ends. */
export interface CallLocals {
  close(): void;
}

/** State shared by every kind of pending request. */
export abstract class PendingEntry {
  readonly owner: CallOwner;
  readonly target: string;
  /** Assigned when the request is sent (ids are taken only for requests that really go out). */
  id = 0;
  /** 0 = no timeout. */
  timeoutMs = 0;
  /**
   * When the call times out (`Date.now()` ms), checked by the table's sweep;
   * 0 = never. A stream's deadline follows its last part (idle timeout).
   */
  deadline = 0;
  signal: AbortSignal | undefined = undefined;
  /** Set when the request asked for an acknowledge (`ra`). */
  onAck: (() => void) | undefined = undefined;
  acked = false;
  /** Callbacks and iterables this request declared, which the callee may reach with `c` (§7.8, §7.9). */
  locals: CallLocals | undefined = undefined;

  constructor(owner: CallOwner, target: string) {
    this.owner = owner;
    this.target = target;
  }

  /** A `p` arrived for this id. Returns true when it ends the request. */
  abstract onResponse(message: ResponseMessage): boolean;
  /** The request failed (exception, timeout, abort, close). Called at most once, after removal. */
  abstract fail(error: SparrowError): void;
  /** The caller stopped reading (streams only): end without an error. */
  end(): void {}
  /** The sweep is about to check `deadline` (a stream moves it with its last part). */
  refreshDeadline(_now: number): void {}

  /** AbortSignal listener (EventListenerObject): the entry itself, so no closure per call. */
  handleEvent(): void {
    const signal = this.signal;
    if (signal === undefined) return;
    this.owner.cancelEntry(this, new SparrowError(ErrorCode.Aborted, `${this.target} was aborted`, { cause: signal.reason }));
  }
}

/**
 * A request answered by one response: resolves with the result; a response
 * with no result part is the callee's None, so it resolves with `null`
 * (`undefined` for a `quiet` call, which asks for no result).
 */
export class PendingCall extends PendingEntry {
  readonly promise: Promise<unknown>;
  protected resolve!: (value: unknown) => void;
  #reject!: (error: unknown) => void;
  readonly #mapResult: ((result: unknown) => unknown) | undefined;
  readonly #mapError: ((error: SparrowError) => unknown) | undefined;
  readonly #missing: null | undefined;

  constructor(owner: CallOwner, target: string, mapResult?: (result: unknown) => unknown, mapError?: (error: SparrowError) => unknown, quiet = false) {
    super(owner, target);
    this.#mapResult = mapResult;
    this.#mapError = mapError;
    this.#missing = quiet ? undefined : null;
    this.promise = new Promise<unknown>((resolve, reject) => {
      this.resolve = resolve;
      this.#reject = reject;
    });
  }

  onResponse(message: ResponseMessage): boolean {
    if (message.multipart) {
      // The reference raises ValueError here too: the caller expected one value.
      this.fail(new ResponseKindError(this.target, true));
      return true;
    }
    const result = message.hasResult ? message.result : this.#missing;
    if (this.#mapResult === undefined) {
      this.resolve(result);
      return true;
    }
    try {
      this.resolve(this.#mapResult(result));
    } catch (error) {
      // A result that does not decode fails the call with that error, as it is.
      this.#reject(error);
    }
    return true;
  }

  fail(error: SparrowError): void {
    if (this.#mapError === undefined) {
      this.#reject(error);
      return;
    }
    try {
      this.#reject(this.#mapError(error));
    } catch (thrown) {
      this.#reject(thrown);
    }
  }
}

/** Our ids are numbers; a peer that echoes them as strings still finds its call. */
function ownId(id: MessageId): MessageId {
  return typeof id === 'string' && id !== '' && !Number.isNaN(Number(id)) ? Number(id) : id;
}

/** The pending requests of one peer, their ids and their timeouts. */
export class CallTable {
  #nextId = 1;
  readonly #entries = new IdTable<PendingEntry>();
  /** The one timeout timer (see SWEEP_MIN_INTERVAL_MS), armed only while an entry has a deadline. */
  #sweepTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** When `sweepTimer` fires (ms since epoch); a new deadline before it re-arms the timer. */
  #sweepAt = 0;
  #stopped = false;
  /** What a timeout does to an entry (the peer removes it, fails it and cancels it remotely). */
  readonly #expire: (entry: PendingEntry, error: SparrowError) => void;

  constructor(expire: (entry: PendingEntry, error: SparrowError) => void) {
    this.#expire = expire;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The entry answered by `id` (as the other side echoed it), if pending. */
  get(id: MessageId): PendingEntry | undefined {
    return this.#entries.get(ownId(id));
  }

  /** True while `entry` is in the table. */
  has(entry: PendingEntry): boolean {
    return this.#entries.get(entry.id) === entry;
  }

  /** The id of the next request (ids are own numbers in sequence, §7.1). */
  takeId(): number {
    return this.#nextId++;
  }

  /**
   * Adds `entry` under its id (from `takeId`), and arms its timeout
   * (`timeoutMs` as `checkTimeout` returns it) and its abort listener.
   */
  add(entry: PendingEntry, timeoutMs: number, signal: AbortSignal | undefined): void {
    this.#entries.add(entry);
    if (timeoutMs > 0) {
      entry.timeoutMs = timeoutMs;
      entry.deadline = Date.now() + timeoutMs;
      // Usually the sweep is already armed for an earlier deadline: nothing to do.
      if (this.#sweepTimer === undefined || entry.deadline < this.#sweepAt) this.#armSweep(entry.deadline);
    }
    if (signal !== undefined) {
      entry.signal = signal;
      signal.addEventListener('abort', entry);
    }
  }

  /** Removes an entry from the table and releases what it holds. */
  finish(entry: PendingEntry): void {
    this.#entries.delete(entry);
    // The sweep timer stays armed: it disarms itself when it finds nothing to wait for.
    entry.deadline = 0;
    if (entry.signal !== undefined) {
      entry.signal.removeEventListener('abort', entry);
      entry.signal = undefined;
    }
    if (entry.locals !== undefined) entry.locals.close();
  }

  /**
   * An answer to one of our requests: a response goes to its entry (which
   * says whether it ended the request), an exception fails it, an ack is
   * reported to `onAck`. Answers to ids not pending are dropped.
   */
  settle(message: ResponseMessage | ExceptionMessage | AckMessage, logger: Logger): void {
    const entry = this.get(message.to);
    if (entry === undefined) {
      logger.debug(`${message.kind} for unknown request ${String(message.to)} dropped`);
      return;
    }
    if (message.kind === 'response') {
      if (entry.onResponse(message)) this.finish(entry);
    } else if (message.kind === 'exception') {
      this.finish(entry);
      entry.fail(fromWireError(message.error));
    } else if (entry.onAck !== undefined) {
      // A repeated ack is harmless: report the first only.
      if (entry.acked) return;
      entry.acked = true;
      try {
        entry.onAck();
      } catch (error) {
        logger.warn('an onAck listener threw', error);
      }
    } else {
      // The reference answers an unknown target with a bare ack and nothing
      // else (§7.6): an ack nobody asked for means "target not found".
      this.finish(entry);
      entry.fail(new SparrowError(ErrorCode.TargetNotFound, `target ${entry.target} not found (the remote peer acknowledged a request that asked for no acknowledge)`));
    }
  }

  /** Stops the sweep for good and removes every entry; returns them (the peer fails them). */
  drain(): PendingEntry[] {
    this.#stopped = true;
    if (this.#sweepTimer !== undefined) {
      clearTimeout(this.#sweepTimer);
      this.#sweepTimer = undefined;
    }
    const entries = this.#entries.values();
    for (const entry of entries) this.finish(entry);
    return entries;
  }

  /** (Re-)arms the sweep timer to fire at `at` (ms since epoch). */
  #armSweep(at: number): void {
    if (this.#sweepTimer !== undefined) clearTimeout(this.#sweepTimer);
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
    if (this.#stopped) return;
    const now = Date.now();
    let next = Infinity;
    let expired: PendingEntry[] | undefined;
    for (const entry of this.#entries.values()) {
      if (entry.deadline === 0) continue;
      entry.refreshDeadline(now);
      if (entry.deadline <= now) (expired ??= []).push(entry);
      else if (entry.deadline < next) next = entry.deadline;
    }
    // Settled outside the walk: expiring removes entries from the table.
    if (expired !== undefined) {
      for (const entry of expired) this.#expire(entry, new SparrowError(ErrorCode.Timeout, `${entry.target} timed out after ${entry.timeoutMs} ms`));
    }
    if (next !== Infinity && this.#sweepTimer === undefined) this.#armSweep(Math.max(next, now + SWEEP_MIN_INTERVAL_MS));
  };
}
