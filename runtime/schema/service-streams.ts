/**
 * Stream results in the service glue (`streamGlue`): a generated client's
 * stream results (decoded as read), and a callee's multipart results
 * (encoded as produced, what the source throws mapped by the caller, so a
 * generated error travels typed).
 */
import { streamsFeature } from '../rpc/streams.ts';
import type { CallStream } from '../rpc/types.ts';
import type { StreamGlue } from './definition.ts';

/** The stream results part of the service glue; generated code passes it when a member returns a stream. */
export const streamGlue: StreamGlue = {
  feature: streamsFeature,
  client: (member, context) => {
    const decode = context.decoder(member.result, `${member.name}[]`);
    return (args, perCall) => new DecodedStream(context.peer.callStream(member.name, context.encodeArgs(args), context.callOptions(perCall)), decode, context.revive);
  },
  encoded: (source, encode, rethrow) => (Symbol.asyncIterator in source ? encodeStreamAsync(source, encode, rethrow) : new EncodedIterator((source as Iterable<unknown>)[Symbol.iterator](), encode, rethrow)),
};

const DONE: IteratorResult<never, undefined> = /* @__PURE__ */ Object.freeze({ done: true, value: undefined });

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
  private readonly revive: ((error: unknown) => unknown) | undefined;
  private invalidItem = false;

  constructor(stream: CallStream<unknown>, decode: (item: unknown) => unknown, revive: ((error: unknown) => unknown) | undefined) {
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
    throw this.revive === undefined ? error : this.revive(error);
  };

  private invalid(error: unknown): unknown {
    this.invalidItem = true;
    this.stream.cancel();
    return error;
  }
}

/*
 * A multipart result in wire form is synchronous when the source is: the
 * peer then sends a sync source's items in one loop without an await per
 * item (an async wrapper around a sync generator doubled the streaming
 * server's CPU per item).
 */

/**
 * A sync source's items in wire form. A hand-written iterator rather than a
 * generator: no generator resume per item on the streaming server's hot
 * path. `return()` reaches the source (a generator's `finally` runs when
 * the stream is cancelled); a generated error it throws travels typed.
 */
class EncodedIterator implements IterableIterator<unknown, undefined, undefined> {
  private readonly source: Iterator<unknown>;
  private readonly map: (item: unknown) => unknown;
  private readonly rethrow: (error: unknown) => unknown;

  constructor(source: Iterator<unknown>, map: (item: unknown) => unknown, rethrow: (error: unknown) => unknown) {
    this.source = source;
    this.map = map;
    this.rethrow = rethrow;
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
      throw this.rethrow(error);
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
async function* encodeStreamAsync(source: AsyncIterable<unknown>, map: (item: unknown) => unknown, rethrow: (error: unknown) => unknown): AsyncGenerator<unknown, undefined, undefined> {
  try {
    for await (const item of source) yield map(item);
  } catch (error) {
    throw rethrow(error);
  }
  return undefined;
}
