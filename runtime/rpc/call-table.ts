/**
 * Entries of the pending-call table: one per request this side sent and
 * still waits on, keyed by its id (PROTOCOL.md §7.1). The peer owns the
 * table and the lifecycle (timers, abort listeners, removal); an entry only
 * turns wire responses into what its caller sees.
 *
 * Hot-path notes: an entry is one object that is also the abort listener
 * (`handleEvent`), so a call allocates no closures beyond its promise
 * executor; timeouts are a `deadline` per entry checked by the peer's one
 * sweep timer, not a timer per call.
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import type { ResponseMessage } from '../envelope/message.ts';
import type { LocalSlot } from './callbacks.ts';
import { nextMacrotask } from './macrotask.ts';

/** What entries need from the peer that owns them. */
export interface CallOwner {
  onEntryAborted(entry: PendingEntry): void;
  /**
   * Removes the entry, settles it with `error` (or ends it cleanly when
   * undefined) and tells the remote side with `#sys.cancel` when it
   * supports that.
   */
  cancelEntry(entry: PendingEntry, error: SparrowError | undefined): void;
  /** Grants the callee `n` more parts of the flow-controlled stream `entry` (`#sys.credit`). */
  grantCredit(entry: PendingEntry, n: number): void;
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
   * When the call times out (`Date.now()` ms), checked by the peer's sweep;
   * 0 = never. A stream's deadline follows `lastActivity` (idle timeout).
   */
  deadline = 0;
  signal: AbortSignal | undefined = undefined;
  /** Set when the request asked for an acknowledge (`ra`). */
  onAck: (() => void) | undefined = undefined;
  acked = false;
  /** Callbacks and iterables this request declared, which the callee may reach with `c` (§7.8, §7.9). */
  locals: Map<string, LocalSlot> | undefined = undefined;

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

  /** AbortSignal listener (EventListenerObject): the entry itself, so no closure per call. */
  handleEvent(): void {
    this.owner.onEntryAborted(this);
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
  private reject!: (error: unknown) => void;
  private readonly mapResult: ((result: unknown) => unknown) | undefined;
  private readonly mapError: ((error: SparrowError) => unknown) | undefined;
  private readonly missing: null | undefined;

  constructor(owner: CallOwner, target: string, mapResult?: (result: unknown) => unknown, mapError?: (error: SparrowError) => unknown, quiet = false) {
    super(owner, target);
    this.mapResult = mapResult;
    this.mapError = mapError;
    this.missing = quiet ? undefined : null;
    this.promise = new Promise<unknown>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  onResponse(message: ResponseMessage): boolean {
    if (message.multipart) {
      // The reference raises ValueError here too: the caller expected one value.
      this.fail(new SparrowError(ErrorCode.ProtocolError, `${this.target} answered with a multipart response; call it as a stream`));
      return true;
    }
    const result = message.hasResult ? message.result : this.missing;
    if (this.mapResult === undefined) {
      this.resolve(result);
      return true;
    }
    try {
      this.resolve(this.mapResult(result));
    } catch (error) {
      // A result that does not decode fails the call with that error, as it is.
      this.reject(error);
    }
    return true;
  }

  fail(error: SparrowError): void {
    if (this.mapError === undefined) {
      this.reject(error);
      return;
    }
    try {
      this.reject(this.mapError(error));
    } catch (thrown) {
      this.reject(thrown);
    }
  }
}

/** A payload-less pull of an iterable param (§7.9): resolves with the raw response so `pt`/`pf` can be told apart. */
export class PendingPull extends PendingCall {
  override onResponse(message: ResponseMessage): boolean {
    this.resolve(message);
    return true;
  }
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

type Waiter = { resolve: (result: IteratorResult<unknown, undefined>) => void; reject: (error: unknown) => void };

const DONE: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

export class PendingStream<T> extends PendingEntry implements CallStream<T> {
  /** When the last part (or the request) was seen: the timeout of a stream is an idle timeout. */
  lastActivity = 0;
  /**
   * Flow control (`#sys.credit`): the most items unread + still allowed in
   * flight; 0 when the stream is not flow-controlled (the other side does
   * not support `credit`, or the caller turned it off).
   */
  window = 0;
  /** Items the callee may still send without another grant. */
  outstanding = 0;
  /** The callee was asked for batches (feature `batch`): every data part holds a list of items. */
  batched = false;
  /**
   * A grant was just sent: the next read yields a macrotask first, so the
   * grant leaves now (the transport writes once the microtask queue is
   * empty) instead of after the consumer has drained the whole buffer; the
   * callee then produces while this side consumes.
   */
  private yieldNext = false;
  private readonly maxBuffer: number;
  /**
   * Unread items as a queue of chunks: a received batch is kept as it
   * arrived (no copy per item); single parts are appended to the last chunk.
   * Every chunk is an array this stream owns.
   */
  private chunks: (unknown[] | undefined)[] = [];
  private chunkHead = 0;
  /** Read position in `chunks[chunkHead]`. */
  private index = 0;
  private unread = 0;
  private waiters: Waiter[] | undefined = undefined;
  private finished = false;
  private error: SparrowError | undefined = undefined;

  constructor(owner: CallOwner, target: string, maxBuffer: number) {
    super(owner, target);
    this.maxBuffer = maxBuffer;
  }

  onResponse(message: ResponseMessage): boolean {
    if (this.timeoutMs > 0) this.lastActivity = Date.now();
    if (!message.multipart) {
      this.fail(new SparrowError(ErrorCode.ProtocolError, `${this.target} answered with a single response; call it as a plain call`));
      return true;
    }
    if (message.final !== 'terminator') {
      if (this.batched) {
        if (!this.pushBatch(message.hasResult ? message.result : null)) return false;
      } else {
        if (this.outstanding > 0) this.outstanding--;
        this.push(message.hasResult ? message.result : null);
      }
    }
    if (message.final !== undefined) {
      this.finished = true;
      this.wakeDone();
      return true;
    }
    if (this.unread > this.maxBuffer) {
      this.owner.cancelEntry(this, new SparrowError(ErrorCode.LimitExceeded, `${this.target}: more than ${this.maxBuffer} unread parts buffered`));
    }
    return false;
  }

  fail(error: SparrowError): void {
    if (this.finished || this.error !== undefined) return;
    this.error = error;
    const waiters = this.waiters;
    if (waiters === undefined) return;
    this.waiters = undefined;
    this.finished = true;
    for (const waiter of waiters) waiter.reject(error);
  }

  override end(): void {
    this.finished = true;
    this.chunks = [];
    this.chunkHead = 0;
    this.index = 0;
    this.unread = 0;
    this.wakeDone();
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.yieldNext) {
      this.yieldNext = false;
      return new Promise((resolve) => nextMacrotask(() => resolve(this.next())));
    }
    if (this.unread > 0) return Promise.resolve({ done: false, value: this.take() as T });
    if (this.error !== undefined && !this.finished) {
      // Deliver the error once, after every part that came before it.
      this.finished = true;
      return Promise.reject(this.error);
    }
    if (this.finished) return Promise.resolve(DONE);
    return new Promise<IteratorResult<unknown, undefined>>((resolve, reject) => {
      (this.waiters ??= []).push({ resolve, reject });
    }) as Promise<IteratorResult<T, undefined>>;
  }

  tryNext(): IteratorResult<T, undefined> | undefined {
    if (this.yieldNext) return undefined;
    if (this.unread > 0) return { done: false, value: this.take() as T };
    // An error not yet delivered leaves `finished` false: next() rejects with it.
    return this.finished ? DONE : undefined;
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.cancel();
    return Promise.resolve(DONE);
  }

  cancel(): void {
    if (this.finished) return;
    // cancelEntry ends this stream through end() (it is no-op when the entry already left the table).
    this.owner.cancelEntry(this, undefined);
    this.end();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The next unread item (there is one), then the credit check. */
  private take(): unknown {
    const chunk = this.chunks[this.chunkHead]!;
    const value = chunk[this.index];
    if (++this.index === chunk.length) {
      this.index = 0;
      this.chunks[this.chunkHead++] = undefined;
      if (this.chunkHead === this.chunks.length) {
        this.chunks.length = 0;
        this.chunkHead = 0;
      }
    }
    this.unread--;
    if (this.window > 0) this.topUp();
    return value;
  }

  private push(value: unknown): void {
    const last = this.unread > 0 ? this.chunks[this.chunks.length - 1]! : undefined;
    if (last === undefined) this.chunks.push([value]);
    else last.push(value);
    this.unread++;
    if (this.waiters !== undefined) this.wake();
  }

  /**
   * A batched part: `[item, ...]`, at most the credit still outstanding. A
   * part that breaks that (not a list, more items than granted) fails the
   * stream with `protocol-error` after the items before it, and cancels it.
   * Returns false when it did.
   */
  private pushBatch(items: unknown): boolean {
    if (!Array.isArray(items) || items.length > this.outstanding) {
      const what = Array.isArray(items) ? `a batch of ${items.length} items with ${this.outstanding} granted` : 'a batched part that is not a list';
      this.owner.cancelEntry(this, new SparrowError(ErrorCode.ProtocolError, `${this.target} sent ${what}`));
      return false;
    }
    const count = items.length;
    if (count === 0) return true;
    this.outstanding -= count;
    // Unbatched, a null item arrives as a part without payload, read as undefined: the same here.
    for (let k = 0; k < count; k++) if (items[k] === null) items[k] = undefined;
    this.chunks.push(items);
    this.unread += count;
    if (this.waiters !== undefined) this.wake();
    return true;
  }

  /** Hands buffered items to waiting `next()` calls (after they are counted, so the credit check sees them). */
  private wake(): void {
    const waiters = this.waiters!;
    while (this.unread > 0 && waiters.length > 0) waiters.shift()!.resolve({ done: false, value: this.take() });
    if (waiters.length === 0) this.waiters = undefined;
  }

  /**
   * The consumer read an item: once unread + outstanding credit falls below
   * half the window, grant the difference in one notification (one grant per
   * window/2 items, not one per item).
   */
  private topUp(): void {
    if (this.finished || this.error !== undefined) return;
    const have = this.unread + this.outstanding;
    if (have * 2 >= this.window) return;
    const n = this.window - have;
    this.outstanding += n;
    this.owner.grantCredit(this, n);
    this.yieldNext = true;
  }

  private wakeDone(): void {
    const waiters = this.waiters;
    if (waiters === undefined) return;
    this.waiters = undefined;
    for (const waiter of waiters) waiter.resolve(DONE);
  }
}
