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

/** Default limit of the encoded bytes of unread parts buffered per stream (64 MiB). */
export const DEFAULT_MAX_STREAM_BUFFER_BYTES = 64 << 20;

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
  private readonly maxBufferBytes: number;
  /**
   * Unread items as a queue of chunks: a received batch is kept as it
   * arrived (no copy per item); single parts are appended to the last chunk.
   * Every chunk is an array this stream owns.
   */
  private chunks: (unknown[] | undefined)[] = [];
  /** The encoded bytes each chunk came in, released when the chunk has been read. */
  private chunkBytes: number[] = [];
  private chunkHead = 0;
  /** Read position in `chunks[chunkHead]`. */
  private index = 0;
  private unread = 0;
  private unreadBytes = 0;
  /** Items and their encoded bytes so far: the size that paces grants (see topUp). */
  private seenItems = 0;
  private seenBytes = 0;
  private waiters: Waiter[] | undefined = undefined;
  private finished = false;
  private error: SparrowError | undefined = undefined;

  constructor(owner: StreamOwner, target: string, maxBuffer: number, maxBufferBytes = DEFAULT_MAX_STREAM_BUFFER_BYTES) {
    super(owner, target);
    this.owner = owner;
    this.maxBuffer = maxBuffer;
    this.maxBufferBytes = maxBufferBytes;
  }

  override refreshDeadline(now: number): void {
    // The callee waits for our grant (this consumer is slow): not an idle callee.
    if (this.window > 0 && this.outstanding === 0) this.lastActivity = now;
    this.deadline = this.lastActivity + this.timeoutMs;
  }

  onResponse(message: ResponseMessage, bytes = 0): boolean {
    if (this.timeoutMs > 0) this.lastActivity = Date.now();
    if (!message.multipart) {
      this.fail(new ResponseKindError(this.target, false));
      return true;
    }
    if (message.final !== 'terminator') {
      if (this.batched) {
        if (!this.pushBatch(message.hasResult ? message.result : null, bytes)) return false;
      } else {
        if (this.outstanding > 0) this.outstanding--;
        this.push(message.hasResult ? message.result : null, bytes);
      }
    }
    if (message.final !== undefined) {
      this.finished = true;
      this.wakeDone();
      return true;
    }
    // The byte budget bounds what comes beyond flow control: on a stream without it, or past the window granted
    // (a callee that honours its credit is paced in bytes by topUp instead).
    if (this.unread > this.maxBuffer || (this.unreadBytes > this.maxBufferBytes && (this.window === 0 || this.unread > this.window))) {
      const over = this.unread > this.maxBuffer ? `${this.maxBuffer} unread parts` : `${this.maxBufferBytes} bytes of unread parts`;
      this.owner.cancelEntry(this, new SparrowError(ErrorCode.LimitExceeded, `${this.target}: more than ${over} buffered`));
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
    this.chunkBytes = [];
    this.chunkHead = 0;
    this.index = 0;
    this.unread = 0;
    this.unreadBytes = 0;
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
      this.unreadBytes -= this.chunkBytes[this.chunkHead]!;
      this.chunks[this.chunkHead++] = undefined;
      if (this.chunkHead === this.chunks.length) {
        this.chunks.length = 0;
        this.chunkBytes.length = 0;
        this.chunkHead = 0;
      }
    }
    this.unread--;
    if (this.window > 0) this.topUp();
    return value;
  }

  private push(value: unknown, bytes: number): void {
    const end = this.chunks.length - 1;
    // Appended to the last chunk unless reading has begun on it: a chunk is released whole once read.
    if (this.unread > 0 && (end > this.chunkHead || this.index === 0)) {
      this.chunks[end]!.push(value);
      this.chunkBytes[end]! += bytes;
    } else {
      this.chunks.push([value]);
      this.chunkBytes.push(bytes);
    }
    this.unread++;
    this.unreadBytes += bytes;
    this.seenItems++;
    this.seenBytes += bytes;
    if (this.waiters !== undefined) this.wake();
  }

  /**
   * A batched part: `[item, ...]`, at most the credit still outstanding. A
   * part that breaks that (not a list, more items than granted) fails the
   * stream with `protocol-error` after the items before it, and cancels it.
   * Returns false when it did.
   */
  private pushBatch(items: unknown, bytes: number): boolean {
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
    this.chunkBytes.push(bytes);
    this.unread += count;
    this.unreadBytes += bytes;
    this.seenItems += count;
    this.seenBytes += bytes;
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
   * window/2 items, not one per item). The window is in bytes too: no more
   * items than half `maxBufferBytes` holds at the size seen so far, so a
   * callee of large items is paced before the byte budget fails the stream.
   */
  private topUp(): void {
    if (this.finished || this.error !== undefined) return;
    const have = this.unread + this.outstanding;
    // (The count first: the byte-sized window is never larger, and most reads stop here.)
    if (have * 2 >= this.window) return;
    const fit = this.seenBytes === 0 ? this.window : Math.max(1, Math.floor((this.maxBufferBytes / 2) * (this.seenItems / this.seenBytes)));
    const window = Math.min(this.window, fit);
    if (have * 2 >= window) return;
    const n = window - have;
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
