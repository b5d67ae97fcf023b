/**
 * Callback and iterable params (PROTOCOL.md §6, §7.8, §7.9), both sides.
 *
 * Caller side: functions and iterators among the params are taken out of the
 * params map, declared in the special part (`#cb`, `#icb`) and kept as
 * "locals" of the pending request, where the callee's callback messages
 * (`c` = that request's id) find them.
 *
 * Callee side: each declared name becomes a proxy function or a remote
 * `AsyncIterable` bound to the incoming call; both stop working (with
 * `invalid-state`) once the call has ended, because the reference drops
 * callback messages for requests that are no longer pending.
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import type { CallbackDeclarations, Params, RequestMessage, ResponseMessage } from '../envelope/message.ts';
import type { IncomingCall } from './incoming-call.ts';
import type { CallbackStyle, Handler } from './registry.ts';

/**
 * How a caller passes one param (`CallOptions.paramKinds`):
 * - `value`: a plain value, serialised in the params map;
 * - `callback`: a function the callee may call back (`#cb`);
 * - `iterable`: an `Iterable` or `AsyncIterable` the callee pulls item by item (`#icb`).
 *
 * Without an explicit kind a param is a `callback` when it is a function, an
 * `iterable` when it is an async iterable or an iterator (an object with both
 * `next()` and `Symbol.iterator`, like a generator: the reference's rule),
 * else a `value`. Arrays, sets and maps are values unless said otherwise.
 */
export type ParamKind = 'value' | 'callback' | 'iterable';

/** A caller-side function the callee may call back. */
export interface CallbackSlot {
  readonly kind: 'callback';
  readonly fn: Handler;
}

/** A caller-side iterable the callee pulls from. */
export interface IterableSlot {
  readonly kind: 'iterable';
  readonly source: Iterable<unknown> | AsyncIterable<unknown>;
  iterator: Iterator<unknown> | AsyncIterator<unknown> | undefined;
  done: boolean;
}

export type LocalSlot = CallbackSlot | IterableSlot;

function detectKind(value: unknown): ParamKind {
  if (typeof value === 'function') return 'callback';
  if (typeof value === 'object' && value !== null) {
    if (Symbol.asyncIterator in value) return 'iterable';
    if (Symbol.iterator in value && typeof (value as { next?: unknown }).next === 'function') return 'iterable';
  }
  return 'value';
}

function isIterable(value: unknown): value is Iterable<unknown> | AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && (Symbol.asyncIterator in value || Symbol.iterator in value);
}

function kindOf(name: string, value: unknown, kinds: Readonly<Record<string, ParamKind>> | undefined): ParamKind {
  return kinds !== undefined && Object.hasOwn(kinds, name) ? (kinds[name] as ParamKind) : detectKind(value);
}

/**
 * Fills `message.params` and `message.declarations` from the caller's params
 * and returns the locals to keep with the pending request (undefined when
 * there are none: the common case allocates nothing).
 * @throws SparrowError `invalid-params` when `kinds` names a kind the value cannot be.
 */
export function prepareParams(
  message: RequestMessage,
  params: Params | undefined,
  kinds: Readonly<Record<string, ParamKind>> | undefined,
): Map<string, LocalSlot> | undefined {
  if (params === undefined) return undefined;
  let plainCount = 0;
  let special = false;
  for (const name in params) {
    if (kindOf(name, params[name], kinds) === 'value') plainCount++;
    else special = true;
  }
  if (!special) {
    // The reference omits an empty params part.
    if (plainCount > 0) message.params = params;
    return undefined;
  }
  const plain: Params = {};
  const declarations: CallbackDeclarations = { callbacks: [], iterables: [] };
  const locals = new Map<string, LocalSlot>();
  for (const name in params) {
    const value = params[name];
    const kind = kindOf(name, value, kinds);
    if (kind === 'value') {
      plain[name] = value;
    } else if (kind === 'callback') {
      if (typeof value !== 'function') throw new SparrowError(ErrorCode.InvalidParams, `param ${name} is declared as a callback but is not a function`);
      declarations.callbacks.push(name);
      locals.set(name, { kind: 'callback', fn: value as Handler });
    } else {
      if (!isIterable(value)) throw new SparrowError(ErrorCode.InvalidParams, `param ${name} is declared as iterable but is not iterable`);
      declarations.iterables.push(name);
      locals.set(name, { kind: 'iterable', source: value, iterator: undefined, done: false });
    }
  }
  if (plainCount > 0) message.params = plain;
  message.declarations = declarations;
  return locals;
}

/** Opens a caller-side iterable, async first. */
export function openIterator(source: Iterable<unknown> | AsyncIterable<unknown>): Iterator<unknown> | AsyncIterator<unknown> {
  return Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
}

/** What callee-side proxies need from the peer. */
export interface CallbackChannel {
  /**
   * Sends `{n: name, c: call.id} [params]`.
   * @throws SparrowError `invalid-state` after the call ended, `connection-closed` when closed.
   */
  callbackNotify(call: IncomingCall, name: string, params: Params | undefined): void;
  /** Sends `{r: name, i: M, c: call.id} [params]` and resolves with the caller's answer. */
  callbackRequest(call: IncomingCall, name: string, params: Params | undefined): Promise<unknown>;
  /** Sends the payload-less `{r: name, i: M, c: call.id}` and resolves with the raw response (§7.9). */
  pull(call: IncomingCall, name: string): Promise<ResponseMessage>;
}

/** A callee-side callback param in notification style: returns nothing. */
export type NotifyCallback = (params?: Params) => void;
/** A callee-side callback param in request style: resolves with what the caller's function returned. */
export type RequestCallback = (params?: Params) => Promise<unknown>;

/**
 * Replaces every declared callback and iterable name in `params` (the
 * decoded message's own map, which the peer owns) with its proxy.
 */
export function bindDeclaredParams(
  params: Params,
  declarations: CallbackDeclarations,
  call: IncomingCall,
  channel: CallbackChannel,
): Params {
  const styles = call.callbackStyles;
  for (const name of declarations.callbacks) {
    const style: CallbackStyle = styles !== undefined && Object.hasOwn(styles, name) ? (styles[name] as CallbackStyle) : 'notification';
    params[name] =
      style === 'request'
        ? (((args?: Params) => channel.callbackRequest(call, name, args)) satisfies RequestCallback)
        : (((args?: Params) => channel.callbackNotify(call, name, args)) satisfies NotifyCallback);
  }
  for (const name of declarations.iterables) params[name] = new RemoteIterable(channel, call, name);
  return params;
}

const DONE: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

/**
 * A callee-side iterable param: each `next()` pulls one item from the caller
 * with a payload-less callback request. Pulls are serialised, so concurrent
 * `next()` calls still get items in order. Stopping early (`break`) only
 * stops pulling: the wire has no "stop" message for iterables.
 */
class RemoteIterable implements AsyncIterableIterator<unknown, undefined, undefined> {
  private readonly channel: CallbackChannel;
  private readonly call: IncomingCall;
  private readonly name: string;
  private finished = false;
  /** A `pf` delivered the last item: the next pull would be one too many. */
  private lastSeen = false;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(channel: CallbackChannel, call: IncomingCall, name: string) {
    this.channel = channel;
    this.call = call;
    this.name = name;
  }

  next(): Promise<IteratorResult<unknown, undefined>> {
    const result = this.tail.then(() => this.pullOne());
    this.tail = result.catch(() => undefined);
    return result;
  }

  return(): Promise<IteratorResult<unknown, undefined>> {
    this.finished = true;
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private async pullOne(): Promise<IteratorResult<unknown, undefined>> {
    if (this.finished) return DONE;
    if (this.lastSeen) {
      this.finished = true;
      return DONE;
    }
    let response: ResponseMessage;
    try {
      response = await this.channel.pull(this.call, this.name);
    } catch (error) {
      this.finished = true;
      throw error;
    }
    if (response.final === 'terminator') {
      this.finished = true;
      return DONE;
    }
    if (response.final === 'final') this.lastSeen = true;
    return { done: false, value: response.hasResult ? response.result : null };
  }
}
