/**
 * The caller's side of a multipart response (§7.7): a `CallStream` over the
 * parts as they arrive, with its idle timeout, its bounded buffer, batches
 * kept as they arrived, and the caller's half of flow control (grants of
 * `#sys.credit` as the consumer reads).
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import type { ResponseMessage } from '../envelope/message.ts';
import { PendingEntry, ResponseKindError, type CallOwner } from './pending-call.ts';
import { nextMacrotask } from './macrotask.ts';
import type { CallStream } from './types.ts';
import { DONE } from './wrapped-stream.ts';

/** What a stream needs from the peer besides cancelling: sending its grants. */
export interface StreamOwner extends CallOwner {
  /** Grants the callee `n` more parts of the flow-controlled stream `entry` (`#sys.credit`). */
  grantCredit(entry: PendingEntry, n: number): void;
}

type Waiter = { resolve: (result: IteratorResult<unknown, undefined>) => void; reject: (error: unknown) => void };


export class PendingStream<T> extends PendingEntry implements CallStream<T> {
  override readonly owner: StreamOwner;
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

  constructor(owner: StreamOwner, target: string, maxBuffer: number) {
    super(owner, target);
    this.owner = owner;
    this.maxBuffer = maxBuffer;
  }

  override refreshDeadline(now: number): void {
    // The callee waits for our grant (this consumer is slow): not an idle callee.
    if (this.window > 0 && this.outstanding === 0) this.lastActivity = now;
    this.deadline = this.lastActivity + this.timeoutMs;
  }

  onResponse(message: ResponseMessage): boolean {
    if (this.timeoutMs > 0) this.lastActivity = Date.now();
    if (!message.multipart) {
      this.fail(new ResponseKindError(this.target, false));
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
