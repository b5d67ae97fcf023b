/**
 * Pub/sub topics as multipart subscriptions (docs/protocol-extensions.md,
 * "Topics"): subscribing is an ordinary call whose response parts are the
 * published values, so a reference peer subscribes with its normal
 * multipart API and nothing new travels on the wire.
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import type { Handler } from './types.ts';
import { DONE } from './wrapped-stream.ts';

/** Options of `createTopic`. */
export interface TopicOptions {
  /** Values buffered per subscriber that the connection has not taken yet. Default 1 000. */
  bufferSize?: number;
  /**
   * What happens to a subscriber whose buffer is full: `drop-oldest`
   * (default) keeps the newest values; `close` ends that subscription with
   * `limit-exceeded`. Either way the publisher never waits.
   */
  overflow?: 'drop-oldest' | 'close';
}

/** A topic: export `handler` with `{ multipart: true }`, then `publish`. */
export interface Topic<T> {
  /** The subscription handler; export it as a multipart target (one registry can serve every connection). */
  readonly handler: Handler;
  /** Live subscriptions, across every peer the handler is exported on. */
  readonly subscriberCount: number;
  /** Sends `value` to every subscriber (as one `pm` each). */
  publish(value: T): void;
  /** Ends every subscription (`pmt`); later subscriptions end at once. */
  close(): void;
}

type Waiter = (result: IteratorResult<unknown, undefined>) => void;


/** One subscriber's queue, iterated by the peer's multipart sender. */
class Subscription implements AsyncIterableIterator<unknown, undefined, undefined> {
  private readonly topic: TopicImpl<unknown>;
  private queue: unknown[] = [];
  private waiter: Waiter | undefined = undefined;
  private failWaiter: ((error: unknown) => void) | undefined = undefined;
  private ended = false;
  private error: SparrowError | undefined = undefined;

  constructor(topic: TopicImpl<unknown>) {
    this.topic = topic;
  }

  offer(value: unknown, bufferSize: number, overflow: 'drop-oldest' | 'close'): void {
    if (this.ended) return;
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      this.failWaiter = undefined;
      waiter({ done: false, value });
      return;
    }
    if (this.queue.length >= bufferSize) {
      if (overflow === 'close') {
        this.error = new SparrowError(ErrorCode.LimitExceeded, `subscriber too slow: more than ${bufferSize} values buffered`);
        this.finish();
        return;
      }
      this.queue.shift();
    }
    this.queue.push(value);
  }

  next(): Promise<IteratorResult<unknown, undefined>> {
    if (this.queue.length > 0) return Promise.resolve({ done: false, value: this.queue.shift() });
    if (this.error !== undefined) {
      const error = this.error;
      this.error = undefined;
      return Promise.reject(error);
    }
    if (this.ended) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.failWaiter = reject;
    });
  }

  return(): Promise<IteratorResult<unknown, undefined>> {
    this.queue = [];
    this.finish();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Ends the subscription: a waiting `next()` completes (done, or the overflow error). */
  finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.topic.subscribers.delete(this);
    const waiter = this.waiter;
    const failWaiter = this.failWaiter;
    this.waiter = undefined;
    this.failWaiter = undefined;
    if (this.error !== undefined && failWaiter !== undefined) {
      const error = this.error;
      this.error = undefined;
      failWaiter(error);
    } else {
      waiter?.(DONE);
    }
  }
}

class TopicImpl<T> implements Topic<T> {
  readonly subscribers = new Set<Subscription>();
  readonly handler: Handler;
  private readonly bufferSize: number;
  private readonly overflow: 'drop-oldest' | 'close';
  private closed = false;

  constructor(options: TopicOptions) {
    this.bufferSize = options.bufferSize ?? 1000;
    this.overflow = options.overflow ?? 'drop-oldest';
    if (!(this.bufferSize >= 1)) throw new SparrowError(ErrorCode.InvalidParams, 'bufferSize must be a positive number');
    this.handler = (_params, ctx) => {
      const subscription = new Subscription(this as TopicImpl<unknown>);
      if (this.closed) {
        subscription.finish();
        return subscription;
      }
      this.subscribers.add(subscription);
      // Cancel (#sys.cancel) or the connection closing ends the subscription.
      ctx.signal.addEventListener('abort', () => subscription.finish(), { once: true });
      return subscription;
    };
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  publish(value: T): void {
    for (const subscription of this.subscribers) subscription.offer(value, this.bufferSize, this.overflow);
  }

  close(): void {
    this.closed = true;
    for (const subscription of [...this.subscribers]) subscription.finish();
  }
}

/**
 * Creates a topic. The subscriber side is `peer.callStream(name)`.
 * @throws SparrowError `invalid-params` for a non-positive `bufferSize`.
 */
export function createTopic<T>(options: TopicOptions = {}): Topic<T> {
  return new TopicImpl<T>(options);
}
