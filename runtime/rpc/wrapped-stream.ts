/**
 * A `CallStream` in front of one that is opened later (after interceptors
 * ran, or once a reconnecting peer's link is up): what every such wrapper
 * shares. Subclasses read `inner` in `next()` and say in `onCancel` what a
 * cancel must also stop.
 */
import type { CallStream } from './types.ts';

/** The end of every stream this layer hands out (one frozen object, shared). */
export const DONE: IteratorResult<never, undefined> = /* @__PURE__ */ Object.freeze({ done: true, value: undefined });

export abstract class WrappedStream<T> implements CallStream<T> {
  /** The real stream, once opened. */
  protected inner: CallStream<T> | undefined = undefined;
  protected cancelled = false;

  abstract next(): Promise<IteratorResult<T, undefined>>;

  /** What else a cancel stops (a wait for the stream to open). */
  protected abstract onCancel(): void;

  tryNext(): IteratorResult<T, undefined> | undefined {
    return this.inner?.tryNext();
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.cancel();
    return Promise.resolve(DONE);
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.inner?.cancel();
    this.onCancel();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
