/**
 * Streams in the service glue: a generated client's stream results and
 * topic subscriptions (decoded as read), and a callee's multipart results
 * (encoded as produced, generated errors kept typed).
 */
import { SparrowError } from '../errors.ts';
import type { CallStream, Peer } from '../rpc/types.ts';
import type { ServiceDefinition } from './definition.ts';
import type { TopicDesc } from './descriptor.ts';
import { encodeThrown } from './service-errors.ts';

/** The caller side of a topic. */
export interface TopicSubscriber<T> {
  /**
   * Subscribes; `handler` gets each published value. Returns the unsubscribe
   * function. `onError` gets the failure that ended the subscription, if any.
   */
  subscribe(handler: (value: T) => void, options?: { onError?: (error: SparrowError) => void }): () => void;
}

const DONE: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

/**
 * A generated client's stream result: the call's items, decoded as they are
 * read. An item that fails validation ends the stream: the callee is told to
 * stop, and no later item is yielded. Items already buffered are handed over
 * at once (`tryNext`): one resolved promise per item, no async function or
 * `then` chain.
 */
export class DecodedStream implements AsyncIterableIterator<unknown, undefined, undefined> {
  private readonly stream: CallStream<unknown>;
  private readonly decode: (item: unknown) => unknown;
  private readonly revive: (error: unknown) => unknown;
  private invalidItem = false;

  constructor(stream: CallStream<unknown>, decode: (item: unknown) => unknown, revive: (error: unknown) => unknown) {
    this.stream = stream;
    this.decode = decode;
    this.revive = revive;
  }

  next(): Promise<IteratorResult<unknown, undefined>> {
    if (this.invalidItem) return Promise.resolve(DONE);
    const ready = this.stream.tryNext();
    if (ready === undefined) return this.stream.next().then(this.onStep, this.onError);
    if (ready.done === true) return Promise.resolve(ready);
    try {
      return Promise.resolve({ done: false, value: this.decode(ready.value) });
    } catch (error) {
      return Promise.reject(this.invalid(error));
    }
  }

  return(): Promise<IteratorResult<unknown, undefined>> {
    this.stream.cancel();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private readonly onStep = (step: IteratorResult<unknown, undefined>): IteratorResult<unknown, undefined> => {
    if (step.done === true) return step;
    try {
      return { done: false, value: this.decode(step.value) };
    } catch (error) {
      throw this.invalid(error);
    }
  };

  private readonly onError = (error: unknown): never => {
    throw this.revive(error);
  };

  private invalid(error: unknown): unknown {
    this.invalidItem = true;
    this.stream.cancel();
    return error;
  }
}

export function topicSubscriber(peer: Peer, namespace: string, member: TopicDesc, decode: (value: unknown) => unknown): TopicSubscriber<unknown> {
  return {
    subscribe(handler, options = {}) {
      // A subscription stays open as long as it is wanted: no idle timeout.
      // `resubscribe`: a reconnecting peer opens it again after a drop.
      const stream = peer.callStream(member.name, {}, { namespace, timeoutMs: 0, resubscribe: true });
      let stopped = false;
      void (async () => {
        try {
          for await (const value of stream) handler(decode(value) as never);
        } catch (error) {
          if (!stopped) options.onError?.(SparrowError.from(error));
        }
      })();
      return () => {
        stopped = true;
        stream.cancel();
      };
    },
  };
}

/**
 * A multipart result in wire form, synchronous when the source is: the
 * peer then sends a sync source's items in one loop without an await per
 * item (an async wrapper around a sync generator doubled the streaming
 * server's CPU per item).
 */
export function encodeStream(definition: ServiceDefinition, source: AsyncIterable<unknown> | Iterable<unknown>, map: (item: unknown) => unknown): AsyncIterable<unknown> | Iterable<unknown> {
  return Symbol.asyncIterator in source ? encodeStreamAsync(definition, source, map) : encodeStreamSync(definition, source as Iterable<unknown>, map);
}

function encodeStreamSync(definition: ServiceDefinition, source: Iterable<unknown>, map: (item: unknown) => unknown): Iterable<unknown> {
  return new EncodedIterator(definition, source[Symbol.iterator](), map);
}

/**
 * A sync source's items in wire form. A hand-written iterator rather than a
 * generator: no generator resume per item on the streaming server's hot
 * path. `return()` reaches the source (a generator's `finally` runs when
 * the stream is cancelled); a generated error it throws travels typed.
 */
class EncodedIterator implements IterableIterator<unknown, undefined, undefined> {
  private readonly definition: ServiceDefinition;
  private readonly source: Iterator<unknown>;
  private readonly map: (item: unknown) => unknown;

  constructor(definition: ServiceDefinition, source: Iterator<unknown>, map: (item: unknown) => unknown) {
    this.definition = definition;
    this.source = source;
    this.map = map;
  }

  /** One result object for every item: the peer reads `value` before it pulls again (one allocation less per item). */
  private readonly step: { done: false; value: unknown } = { done: false, value: undefined };

  next(): IteratorResult<unknown, undefined> {
    try {
      const step = this.source.next();
      if (step.done === true) return { done: true, value: undefined };
      this.step.value = this.map(step.value);
      return this.step;
    } catch (error) {
      throw encodeThrown(this.definition, error);
    }
  }
  return(): IteratorResult<unknown, undefined> {
    this.source.return?.();
    return { done: true, value: undefined };
  }

  [Symbol.iterator](): this {
    return this;
  }
}

/** A generated error thrown mid-stream still travels typed. */
async function* encodeStreamAsync(definition: ServiceDefinition, source: AsyncIterable<unknown> | Iterable<unknown>, map: (item: unknown) => unknown): AsyncGenerator<unknown, undefined, undefined> {
  try {
    for await (const item of source) yield map(item);
  } catch (error) {
    throw encodeThrown(definition, error);
  }
  return undefined;
}
