/**
 * The callbacks feature: callback and iterable params (PROTOCOL.md §6,
 * §7.8, §7.9), both sides.
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
 *
 * A peer has it when made by `createPeer`, or when given `callbacksFeature`;
 * generated code names it only for a schema with callback or stream params.
 */
import { ErrorCode, SparrowError, toWireError } from '../errors.ts';
import type { CallbackDeclarations, NotificationMessage, Params, RequestMessage, ResponseMessage } from '../envelope/message.ts';
import { installEnvelopeParts } from '../envelope/codec.ts';
import { callbackDeclarations } from '../envelope/declarations.ts';
import { PendingCall, type CallLocals } from './pending-call.ts';
import { defineFeature, type CallbacksPart, type Incoming, type PeerCore } from './features.ts';
import { dispatcherFeature } from './dispatcher.ts';
import { isIterable, isThenable } from '../values.ts';
import { countPlainParams, openIterator, paramKind } from './guards.ts';
import { sendNotification, sendRequest } from './outgoing.ts';
import { sendAck, sendError, sendResponse } from './outbox.ts';
import { answerNotFound } from './system-service.ts';
import type { IncomingCall } from './incoming-call.ts';
import { clipText } from './log-limit.ts';
import type { Logger } from './logger.ts';
import { describeTarget } from './map-registry.ts';
import type { CallbackStyle, Handler, NotifyCallback, ParamKind, RequestCallback } from './types.ts';
import { DONE } from './wrapped-stream.ts';

export type { NotifyCallback, ParamKind, RequestCallback } from './types.ts';

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

/** The locals of one request, by param name; closing lets unfinished iterators clean up (generators run their `finally`). */
class Locals extends Map<string, LocalSlot> implements CallLocals {
  private readonly logger: Logger;

  constructor(logger: Logger) {
    super();
    this.logger = logger;
  }

  close(): void {
    for (const slot of this.values()) {
      if (slot.kind !== 'iterable' || slot.done || slot.iterator === undefined) continue;
      slot.done = true;
      try {
        const result = slot.iterator.return?.();
        if (isThenable(result)) result.then(undefined, (error: unknown) => this.logger.debug('closing an iterable param failed', error));
      } catch (error) {
        this.logger.debug('closing an iterable param failed', error);
      }
    }
  }
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
  logger: Logger,
): Map<string, LocalSlot> & CallLocals | undefined {
  if (params === undefined) return undefined;
  const count = countPlainParams(params, kinds);
  if (count >= 0) {
    // The reference omits an empty params part.
    if (count > 0) message.params = params;
    return undefined;
  }
  let plainCount = 0;
  const plain: Params = {};
  const declarations: CallbackDeclarations = { callbacks: [], iterables: [] };
  const locals = new Locals(logger);
  for (const name in params) {
    const value = params[name];
    const kind = paramKind(name, value, kinds);
    if (kind === 'value') {
      plain[name] = value;
      plainCount++;
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

/**
 * Replaces every declared callback and iterable name in `params` (the
 * decoded message's own map, which the peer owns) with its proxy.
 */
export function bindDeclaredParams(params: Params, declarations: CallbackDeclarations, call: IncomingCall, channel: CallbackChannel): Params {
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

/** A payload-less pull of an iterable param (§7.9): resolves with the raw response so `pt`/`pf` can be told apart. */
class PendingPull extends PendingCall {
  override onResponse(message: ResponseMessage): boolean {
    this.resolve(message);
    return true;
  }
}

class Callbacks implements CallbacksPart, CallbackChannel {
  private readonly core: PeerCore;

  constructor(core: PeerCore) {
    this.core = core;
  }

  prepare(message: RequestMessage, params: Params, kinds: Readonly<Record<string, ParamKind>> | undefined): CallLocals | undefined {
    return prepareParams(message, params, kinds, this.core.logger);
  }

  bind(params: Params, declarations: CallbackDeclarations, call: IncomingCall): Params {
    return bindDeclaredParams(params, declarations, call, this);
  }

  /** The slot `message` names among the locals of our pending call `c`. */
  private slot(message: Incoming<RequestMessage> | Incoming<NotificationMessage>): LocalSlot | undefined {
    const locals = this.core.calls.get(message.callbackOf!)?.locals as Locals | undefined;
    return locals?.get(message.target);
  }

  /** {r: name, i: M, c: N} [params]: call a local function, or pull an iterable. */
  onRequest(message: Incoming<RequestMessage>): void {
    const slot = this.slot(message);
    const outbox = this.core.outbox;
    if (slot === undefined) return answerNotFound(outbox, message);
    if (slot.kind === 'iterable') {
      if (message.ack) sendAck(outbox, message.id, message.format);
      void this.answerPull(slot, message);
      return;
    }
    this.core.parts.dispatcher!.startRequest(message, slot.fn, '', false, undefined);
  }

  /** {n: name, c: N} [params] */
  onNotification(message: Incoming<NotificationMessage>): void {
    const slot = this.slot(message);
    if (slot === undefined || slot.kind !== 'callback') {
      // The reference drops these as "invalid request id" too (§7.8).
      this.core.logger.debug(`callback notification ${describeTarget('', message.target)} for request ${clipText(String(message.callbackOf), 40)} dropped`);
      return;
    }
    this.core.parts.dispatcher!.startNotification(message, slot.fn, '');
  }

  /** Answers one pull of an iterable param (§7.9): {p: M} [item], {pt: M} at the end, {x: M} on error. */
  private async answerPull(slot: IterableSlot, message: Incoming<RequestMessage>): Promise<void> {
    const response: ResponseMessage = { kind: 'response', to: message.id, multipart: false, ack: false, hasResult: false };
    try {
      if (!slot.done) {
        slot.iterator ??= openIterator(slot.source);
        let step = slot.iterator.next();
        if (isThenable(step)) step = await step;
        if (step.done === true) {
          slot.done = true;
        } else if (step.value !== undefined && step.value !== null) {
          response.hasResult = true;
          response.result = step.value;
        }
      }
    } catch (error) {
      slot.done = true;
      sendError(this.core.outbox, message.id, toWireError(error), message.format);
      return;
    }
    if (slot.done) response.final = 'terminator';
    sendResponse(this.core.outbox, response, message.format);
  }

  callbackNotify(call: IncomingCall, name: string, params: Params | undefined): void {
    if (call.ended) throw endedError(call, name);
    // {n: name, c: N} [params]
    sendNotification(this.core, { kind: 'notification', target: name, callbackOf: call.id!, params: params ?? {} }, name);
  }

  callbackRequest(call: IncomingCall, name: string, params: Params | undefined): Promise<unknown> {
    if (call.ended) return Promise.reject(endedError(call, name));
    const entry = new PendingCall(this.core.calls, name);
    sendRequest(this.core, entry, name, params, {}, (message) => void (message.callbackOf = call.id!));
    return entry.promise;
  }

  pull(call: IncomingCall, name: string): Promise<ResponseMessage> {
    if (call.ended) return Promise.reject(endedError(call, name));
    const entry = new PendingPull(this.core.calls, name);
    sendRequest(this.core, entry, name, undefined, {}, (message) => void (message.callbackOf = call.id!));
    return entry.promise as Promise<ResponseMessage>;
  }
}

function endedError(call: IncomingCall, name: string): SparrowError {
  return new SparrowError(ErrorCode.InvalidState, `callback ${name} of ${describeTarget(call.namespace, call.target)} used after the call ended`);
}

/**
 * Callback and iterable params, both sides. Give it to a peer made without
 * it (`PeerOptions.features`) or to a target that needs it (`ExportOptions.features`).
 */
export const callbacksFeature = /* @__PURE__ */ defineFeature('callbacks', [], (core) => {
  // The `#cb`/`#icb` declarations, both ways, are the codec's part of the feature.
  installEnvelopeParts({ declarations: callbackDeclarations });
  // The other side calls our callbacks as requests: the dispatcher runs and answers them.
  core.use([dispatcherFeature]);
  return new Callbacks(core);
});
