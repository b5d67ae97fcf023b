/**
 * Interceptors: a middleware chain around the calls a peer makes (outgoing)
 * and the calls it answers (incoming), for logging, metrics, tracing and
 * custom auth. Each interceptor gets the call and a `next()` that runs the
 * rest of the chain (and finally the call itself); it may look at or change
 * the params before `next()`, look at or replace the result after it, or
 * refuse the call by throwing a typed error instead of calling `next()`.
 *
 * The contracts (`Interceptor`, `InterceptedCall`) are in types.ts; this
 * file runs them, as a part of the peer (`interceptorsFeature`) that is
 * there only when `PeerOptions.interceptors` lists some: the plain path
 * costs one comparison and no allocation, and a bundle that never names
 * the feature leaves this file out.
 */
import type { MessageId, Params } from '../envelope/message.ts';
import { defineFeature, type InterceptorsPart } from './features.ts';
import type { IncomingCall } from './incoming-call.ts';
import type { Logger } from './logger.ts';
import { DONE, WrappedStream } from './wrapped-stream.ts';
import type { CallContext, CallOptions, CallStream, InterceptedCall, InterceptedKind, Interceptor, InterceptorNext, NotifyOptions, Peer, PeerFeature, StreamOptions } from './types.ts';

type Step = (call: InterceptedCall, next: InterceptorNext) => unknown;

/** The installed interceptors of one peer, split by direction. */
export class InterceptorChain {
  private readonly outgoingSteps: readonly Step[];
  private readonly incomingSteps: readonly Step[];

  constructor(interceptors: readonly Interceptor[]) {
    const bind = (interceptor: Interceptor, method: 'outgoing' | 'incoming'): Step | undefined => {
      const fn = interceptor[method];
      return fn === undefined ? undefined : (call, next) => fn.call(interceptor, call, next);
    };
    this.outgoingSteps = interceptors.map((i) => bind(i, 'outgoing')).filter((s): s is Step => s !== undefined);
    this.incomingSteps = interceptors.map((i) => bind(i, 'incoming')).filter((s): s is Step => s !== undefined);
  }

  /** Runs the outgoing chain around `last`; the first interceptor runs first. */
  outgoing(call: InterceptedCall, last: () => unknown): Promise<unknown> {
    return run(this.outgoingSteps, 0, call, last);
  }

  /** Runs the incoming chain around `last`. */
  incoming(call: InterceptedCall, last: () => unknown): Promise<unknown> {
    return run(this.incomingSteps, 0, call, last);
  }
}

/** The chain of `interceptors`, or `undefined` when there is nothing to run (the peer's fast path). */
export function createInterceptorChain(interceptors: readonly Interceptor[] | undefined): InterceptorChain | undefined {
  if (interceptors === undefined || interceptors.length === 0) return undefined;
  return new InterceptorChain(interceptors);
}

function run(steps: readonly Step[], index: number, call: InterceptedCall, last: () => unknown): Promise<unknown> {
  try {
    const step = steps[index];
    if (step === undefined) return Promise.resolve(last());
    let called = false;
    const next: InterceptorNext = () => {
      if (called) return Promise.reject(new Error(`an interceptor called next() twice for ${call.target}`));
      called = true;
      return run(steps, index + 1, call, last);
    };
    return Promise.resolve(step(call, next));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** A new `InterceptedCall` (its `metadata` starts with `remote` and, when given, `id`). */
export function createInterceptedCall(
  direction: 'outgoing' | 'incoming',
  kind: InterceptedKind,
  peer: Peer,
  target: string,
  namespace: string | undefined,
  params: Params | undefined,
  context: CallContext | undefined,
  callbackOf: MessageId | undefined,
): InterceptedCall {
  const metadata: Record<string, unknown> = { remote: peer.remote };
  if (context?.id !== undefined) metadata.id = context.id;
  return {
    direction,
    kind,
    target,
    namespace: namespace ?? '',
    params: params ?? {},
    // The authentication layer (when there is one) puts `identity` on the context.
    identity: context === undefined ? undefined : (context as CallContext & { readonly identity?: unknown }).identity,
    metadata,
    peer,
    context,
    callbackOf,
  };
}

/**
 * The consumer's side of an intercepted outgoing stream: items come from the
 * stream `open` returns once the chain reaches its end; `ended` settles the
 * chain's `next()` when the stream ends, fails or is cancelled. A refusal
 * (the chain failing before it opened the stream) fails the first read.
 */
export class InterceptedStream<T> extends WrappedStream<T> {
  private refusal: unknown = undefined;
  private refused = false;
  private waiters: (() => void)[] = [];
  private settle: ((error?: unknown) => void) | undefined = undefined;

  /** Called by the end of the chain: opens the real stream and returns the promise of its end. */
  open(opener: () => CallStream<T>): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      this.settle = (error) => {
        this.settle = undefined;
        if (error === undefined) resolve(undefined);
        else reject(error);
      };
      this.inner = opener();
      if (this.cancelled) this.inner.cancel();
      this.wake();
    });
  }

  /** The chain failed: a stream it never opened fails with that error. */
  fail(error: unknown, logger: Logger): void {
    if (this.inner !== undefined) {
      logger.debug('an outgoing interceptor failed after its stream opened', error);
      return;
    }
    this.refused = true;
    this.refusal = error;
    this.wake();
  }

  async next(): Promise<IteratorResult<T, undefined>> {
    if (this.inner === undefined && !this.refused && !this.cancelled) await new Promise<void>((resolve) => this.waiters.push(resolve));
    const inner = this.inner;
    if (inner === undefined) {
      if (this.refused) {
        this.refused = false;
        this.cancelled = true;
        throw this.refusal;
      }
      return DONE;
    }
    try {
      const step = await inner.next();
      if (step.done === true) this.settle?.();
      return step;
    } catch (error) {
      this.settle?.(error);
      throw error;
    }
  }

  override tryNext(): IteratorResult<T, undefined> | undefined {
    const step = super.tryNext();
    if (step?.done === true) this.settle?.();
    return step;
  }

  protected onCancel(): void {
    this.settle?.();
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** `#sys` traffic (features, cancel, credit, ping) is the peer's own plumbing: never intercepted. */
const SYSTEM = '#sys';

/** `Peer.call` through the outgoing chain; `direct` makes the call with the (possibly replaced) params. */
export function interceptCall(chain: InterceptorChain, peer: Peer, target: string, params: Params | undefined, namespace: string | undefined, direct: (params: Params | undefined) => Promise<unknown>): Promise<unknown> {
  if (namespace === SYSTEM) return direct(params);
  const call = createInterceptedCall('outgoing', 'call', peer, target, namespace, params, undefined, undefined);
  return chain.outgoing(call, () => direct(call.params));
}

/** `Peer.callStream` through the outgoing chain: the stream is returned at once and opens when the chain reaches its end. */
export function interceptStream<T>(chain: InterceptorChain, peer: Peer, logger: Logger, target: string, params: Params | undefined, namespace: string | undefined, direct: (params: Params | undefined) => CallStream<T>): CallStream<T> {
  if (namespace === SYSTEM) return direct(params);
  const call = createInterceptedCall('outgoing', 'stream', peer, target, namespace, params, undefined, undefined);
  const stream = new InterceptedStream<T>();
  chain.outgoing(call, () => stream.open(() => direct(call.params))).then(undefined, (error: unknown) => stream.fail(error, logger));
  return stream;
}

/**
 * `Peer.notify` through the outgoing chain. The send happens when the chain
 * reaches its end. When that is while `notify` runs (no interceptor awaited
 * before `next()`), a send failure (`connection-closed`, a too-big message)
 * is thrown here as without interceptors; a refusal, or a failure after an
 * `await`, has no answer to travel in and is logged as a warning.
 */
export function interceptNotify(chain: InterceptorChain, peer: Peer, logger: Logger, target: string, params: Params | undefined, namespace: string | undefined, direct: (params: Params | undefined) => void): void {
  if (namespace === SYSTEM) return direct(params);
  const call = createInterceptedCall('outgoing', 'notify', peer, target, namespace, params, undefined, undefined);
  let thrown: { error: unknown } | undefined;
  let returned = false;
  const done = chain.outgoing(call, () => {
    try {
      direct(call.params);
    } catch (error) {
      if (!returned) thrown = { error };
      throw error;
    }
  });
  returned = true;
  done.then(undefined, (error: unknown) => {
    if (thrown === undefined || thrown.error !== error) logger.warn(`notification ${target} was not sent`, error);
  });
  if (thrown !== undefined) throw thrown.error;
}

/** The incoming half of the part: the dispatcher runs the other side's calls through the chain here. */
class Interceptors implements InterceptorsPart {
  readonly #chain: InterceptorChain;
  readonly #peer: Peer;

  constructor(chain: InterceptorChain, peer: Peer) {
    this.#chain = chain;
    this.#peer = peer;
  }

  incoming(kind: InterceptedKind, call: IncomingCall, params: Params, callbackOf: MessageId | undefined, last: (params: Params) => Promise<unknown>): Promise<unknown> {
    const intercepted = createInterceptedCall('incoming', kind, this.#peer, call.target, call.namespace, params, call, callbackOf);
    return this.#chain.incoming(intercepted, () => last(intercepted.params));
  }
}

/**
 * Runs `PeerOptions.interceptors` (nothing is installed when there are
 * none). `createPeer` and the Node endpoints give it to every peer; a
 * browser peer with interceptors names it in `features`. The outgoing half
 * wraps the peer's own `call`, `callStream` and `notify`: each goes through
 * the chain, whose end calls the peer's original method.
 */
export const interceptorsFeature: PeerFeature = /* @__PURE__ */ defineFeature('interceptors', [], (core) => {
  const chain = createInterceptorChain(core.options.interceptors);
  if (chain === undefined) return undefined;
  const { peer, logger } = core;
  const call = peer.call.bind(peer);
  const callStream = peer.callStream.bind(peer);
  const notify = peer.notify.bind(peer);
  const wrappers: Pick<Peer, 'call' | 'callStream' | 'notify'> = {
    call: <T>(target: string, params?: Params, options: CallOptions = {}) =>
      interceptCall(chain, peer, target, params, options.namespace, (p) => call(target, p, options)) as Promise<T>,
    callStream: <T>(target: string, params?: Params, options: StreamOptions = {}) =>
      interceptStream(chain, peer, logger, target, params, options.namespace, (p) => callStream<T>(target, p, options)),
    notify: (target: string, params?: Params, options: NotifyOptions = {}) => interceptNotify(chain, peer, logger, target, params, options.namespace, (p) => notify(target, p, options)),
  };
  Object.assign(peer, wrappers);
  return new Interceptors(chain, peer);
});
