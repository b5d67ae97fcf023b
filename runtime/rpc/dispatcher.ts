/**
 * The dispatcher: the other side's requests and notifications, from lookup
 * to answer. Lookup (`#sys`, then the peer's own registry, then the shared
 * one), the concurrency limit, the `@auth` hook (`guard`), the validation
 * hook (`decodeParams`), running the handler, and answering: `p` with the
 * result, `x` with what it threw, or the parts of a multipart answer through
 * the streams part.
 *
 * Nothing a handler does can throw out of here: handlers run inside
 * try/catch or async functions, and a failure becomes the answer.
 *
 * A part of the peer (`dispatcherFeature`): a peer that has exported
 * nothing answers not-found (the `#sys` basics only with `systemFeature`)
 * and a client bundle leaves this file out. `export`,
 * `registerService`, a registry made by `createRegistry`, the callbacks part
 * and the Node endpoints install it.
 */
import type { MessageId, NotificationMessage, Params, RequestMessage, ResponseMessage } from '../envelope/message.ts';
import { ErrorCode, SparrowError, toWireError, type WireError } from '../errors.ts';
import { defineFeature, type CallbacksPart, type DispatchApi, type Incoming, type InterceptorsPart, type LogLimitPart, type PeerCore, type StreamsPart } from './features.ts';
import { isThenable } from '../values.ts';
import { positiveOption } from './guards.ts';
import { IncomingCall } from './incoming-call.ts';
import type { Logger } from './logger.ts';
import { sendAck, sendError, sendResponse, type Outbox } from './outbox.ts';
import { MapRegistry, SYSTEM_NAMESPACE, describeTarget } from './map-registry.ts';
import { answerNotFound, createSystemTargets, peerExtensions } from './system-service.ts';
import type { CallbackStyle, CallContext, ExportOptions, Handler, Identity, Peer, PeerFeature, Registration, Registry } from './types.ts';

/** Default limit of handlers running at once for the other side. */
export const DEFAULT_MAX_CONCURRENT_HANDLERS = 1_000;

/** What the dispatcher works with; the peer fills it. */
export interface DispatcherOptions {
  readonly peer: Peer;
  readonly outbox: Outbox;
  readonly logger: Logger;
  /** `#sys` targets, by name. */
  readonly system: ReadonlyMap<string, Registration>;
  /** The peer's own exports first (where `export` adds), then the shared registry. */
  readonly registries: readonly Registry[];
  readonly maxConcurrentHandlers: number;
  readonly callerIdentity: unknown;
  /** Who the other side is now (set by the session once it authenticated). */
  identity?(): Identity | undefined;
  /** False: exceptions that are not `SparrowError`s are answered with a generic message and an id (`PeerOptions.exposeErrors`). */
  readonly exposeErrors?: boolean;
  /** The optional parts the peer has now (read at each use: parts are installed late). */
  readonly parts: { readonly streams?: StreamsPart | undefined; readonly callbacks?: CallbacksPart | undefined; readonly interceptors?: InterceptorsPart | undefined; readonly logLimit?: LogLimitPart | undefined };
  /** Installs what a registration needs before it runs. */
  use(features: readonly PeerFeature[]): void;
}

export class Dispatcher implements DispatchApi {
  /** Requests of the other side being handled: their id → call (for `#sys.cancel` and `#sys.credit`). */
  private readonly incoming = new Map<MessageId, IncomingCall>();
  private active = 0;
  private closeReason: SparrowError | undefined = undefined;
  private readonly options: DispatcherOptions;
  private readonly outbox: Outbox;
  private readonly logger: Logger;

  constructor(options: DispatcherOptions) {
    this.options = options;
    this.outbox = options.outbox;
    this.logger = options.logger;
  }

  /** A line about what the other side sent, which it can send any number of: through the log-limit part when the peer has one. */
  private warnAboutRemote(line: string): void {
    const limiter = this.options.parts.logLimit;
    const limited = limiter ? limiter.limit(line) : line;
    if (limited !== undefined) this.logger.warn(limited);
  }

  get activeHandlerCount(): number {
    return this.active;
  }

  /** `Peer.export`: into the peer's own registry (the first). */
  export(name: string, handler: Handler, options?: ExportOptions): () => void {
    return this.options.registries[0]!.export(name, handler, options);
  }

  /** The registration of a target: `#sys` first, then the registries in order. */
  lookup(namespace: string, name: string): Registration | undefined {
    if (namespace === SYSTEM_NAMESPACE) return this.options.system.get(name);
    for (const registry of this.options.registries) {
      const found = registry.lookup(namespace, name);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  incomingCall(id: MessageId): IncomingCall | undefined {
    return this.incoming.get(id);
  }

  /** {r[a][q|s]: target, i: N, [s: ns]} [params] [{#cb, #icb}] */
  onRequest(message: Incoming<RequestMessage>): void {
    const namespace = message.namespace ?? '';
    const registration = this.lookup(namespace, message.target);
    if (registration === undefined) {
      this.logger.debug(`request for unknown target ${describeTarget(namespace, message.target)}`);
      answerNotFound(this.outbox, message);
      return;
    }
    if (registration.features !== undefined) this.options.use(registration.features);
    this.startRequest(message, registration.handler, namespace, registration.multipart, registration.callbacks, registration);
  }

  /** {n: target, [s: ns]} [params] */
  onNotification(message: Incoming<NotificationMessage>): void {
    const namespace = message.namespace ?? '';
    const registration = this.lookup(namespace, message.target);
    if (registration === undefined) {
      // §7.3: never answered, even for an unknown target.
      this.logger.debug(`notification for unknown target ${describeTarget(namespace, message.target)} ignored`);
      return;
    }
    if (namespace === SYSTEM_NAMESPACE) {
      // cancel and credit run inline: they are tiny, must keep their order, and
      // must never be dropped by maxConcurrentHandlers (a lost grant would stall a stream).
      const params = message.params;
      if (typeof params === 'object' && params !== null && !Array.isArray(params)) registration.handler(params, undefined as never);
      return;
    }
    if (registration.features !== undefined) this.options.use(registration.features);
    this.startNotification(message, registration.handler, namespace, registration);
  }

  startRequest(
    message: Incoming<RequestMessage>,
    handler: Handler,
    namespace: string,
    multipart: boolean,
    callbackStyles: Readonly<Record<string, CallbackStyle>> | undefined,
    hooks?: Registration,
  ): void {
    const limit = this.options.maxConcurrentHandlers;
    if (this.active >= limit) {
      this.warnAboutRemote(`request ${describeTarget(namespace, message.target)} refused: ${limit} handlers are running`);
      this.outbox.sendException(message.id, { cat: 'r', type: 'LimitExceeded', msg: `too many concurrent requests (limit ${limit})` }, message.format);
      return;
    }
    const raw = message.params;
    if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) {
      // Params are always named (§6): the reference fails a list with AttributeError.
      this.outbox.sendException(message.id, { cat: 'r', type: 'InvalidParams', msg: 'params must be a map of name to value' }, message.format);
      return;
    }
    const { parts } = this.options;
    if (message.declarations !== undefined && parts.callbacks === undefined) {
      // Without the callbacks part there is nothing to bind the declared names to.
      this.outbox.sendException(message.id, { cat: 'r', type: 'InvalidParams', msg: `${message.target}: callback and iterable params are not supported by this peer` }, message.format);
      return;
    }
    if (message.ack) sendAck(this.outbox, message.id, message.format);
    const { options } = this;
    const call = new IncomingCall(options.peer, message.target, namespace, message.id, message.format, options.callerIdentity, message.requestType === 'quiet', callbackStyles, options.identity?.());
    if (message.requestType === 'silent') {
      // What the reference intends (§7.4; its own implementation sends nothing):
      // an empty response on delivery, then run the handler with no answer.
      sendResponse(this.outbox, { kind: 'response', to: message.id, multipart: false, ack: false, hasResult: false }, message.format);
      call.silenced = true;
    }
    const params = message.declarations === undefined ? (message.params ?? {}) : parts.callbacks!.bind(message.params ?? {}, message.declarations, call);
    parts.streams?.claimGrant(call, multipart);
    this.active++;
    // `#sys` (features, describe, ping) is the peer's own plumbing: never intercepted.
    const chain = parts.interceptors;
    if (chain === undefined || namespace === SYSTEM_NAMESPACE) this.run(call, handler, params, multipart, hooks);
    else void this.runIntercepted(chain, call, handler, params, multipart, hooks, message.callbackOf);
  }

  startNotification(message: Incoming<NotificationMessage>, handler: Handler, namespace: string, hooks?: Registration): void {
    const params = message.params ?? {};
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      this.warnAboutRemote(`notification ${describeTarget(namespace, message.target)} dropped: params are not a map`);
      return;
    }
    if (this.active >= this.options.maxConcurrentHandlers) {
      this.warnAboutRemote(`notification ${describeTarget(namespace, message.target)} dropped: ${this.options.maxConcurrentHandlers} handlers are running`);
      return;
    }
    const { options } = this;
    const call = new IncomingCall(options.peer, message.target, namespace, undefined, message.format, options.callerIdentity, false, undefined, options.identity?.());
    this.active++;
    const chain = options.parts.interceptors;
    if (chain === undefined) void this.runNotification(call, handler, params, hooks);
    else void this.runIntercepted(chain, call, handler, params, false, hooks, message.callbackOf);
  }

  /** `#sys.cancel`: the caller abandoned its request `id`. */
  cancel(id: MessageId): void {
    const call = this.incoming.get(id);
    if (call === undefined) return;
    this.incoming.delete(id);
    call.abort(new SparrowError(ErrorCode.Aborted, `${describeTarget(call.namespace, call.target)} was cancelled by the caller`));
  }

  /** The peer closed: every running call is aborted, and calls that start later are aborted at once. */
  abortAll(reason: SparrowError): void {
    this.closeReason = reason;
    for (const call of this.incoming.values()) call.abort(reason);
    this.incoming.clear();
  }

  /**
   * Runs the hooks and the handler and answers. A plain handler that
   * returns a value is answered synchronously without an async function
   * (one promise less per call on the server); a promise, a guard or a
   * multipart answer continues in `finish`.
   */
  private run(call: IncomingCall, handler: Handler, params: Params, multipart: boolean, hooks: Registration | undefined): void {
    try {
      let result: unknown;
      const guard = hooks?.guard;
      const guarded = guard === undefined ? undefined : guard(call);
      if (isThenable(guarded)) {
        result = Promise.resolve(guarded).then(() => invoke(handler, params, call, hooks));
      } else {
        result = invoke(handler, params, call, hooks);
      }
      if (multipart || isThenable(result)) {
        // Only a call that outlives this tick can be cancelled, credited or
        // aborted by a close, so only such a call enters the table (no
        // insert and delete per plain call).
        this.incoming.set(call.id!, call);
        if (this.closeReason !== undefined) call.abort(this.closeReason);
        void this.finish(call, result, multipart);
        return;
      }
      this.answer(call, result);
    } catch (error) {
      this.answerError(call, error);
    }
    this.end(call);
  }

  private async finish(call: IncomingCall, pending: unknown, multipart: boolean): Promise<void> {
    try {
      const result = isThenable(pending) ? await pending : pending;
      if (multipart) {
        const streams = this.options.parts.streams;
        if (streams === undefined) throw new SparrowError(ErrorCode.Unsupported, `multipart target ${describeTarget(call.namespace, call.target)} needs the streams feature`);
        await streams.answer(call, result);
      } else {
        this.answer(call, result);
      }
    } catch (error) {
      this.answerError(call, error);
    } finally {
      this.end(call);
    }
  }

  /** {p: N} [result] (no part for undefined/null, and none for quiet requests). */
  private answer(call: IncomingCall, result: unknown): void {
    if (call.silenced) return;
    const response: ResponseMessage = { kind: 'response', to: call.id!, multipart: false, ack: false, hasResult: false };
    if (!call.quiet && result !== undefined && result !== null) {
      response.hasResult = true;
      response.result = result;
    }
    sendResponse(this.outbox, response, call.format);
  }

  private answerError(call: IncomingCall, error: unknown): void {
    if (call.silenced) return;
    this.logger.debug(`handler ${describeTarget(call.namespace, call.target)} failed`, error);
    sendError(this.outbox, call.id!, this.options.exposeErrors !== false || error instanceof SparrowError ? toWireError(error) : hiddenError(error, call, this.logger), call.format);
  }

  private end(call: IncomingCall): void {
    call.ended = true;
    if (this.incoming.get(call.id!) === call) this.incoming.delete(call.id!);
    this.active--;
  }

  /**
   * `run` (or `runNotification` when the call has no id) inside the incoming
   * interceptors: the guard, the handler and, for a multipart answer, its
   * last part are what `next()` runs, so an interceptor sees the whole call.
   */
  private async runIntercepted(
    chain: InterceptorsPart,
    call: IncomingCall,
    handler: Handler,
    params: Params,
    multipart: boolean,
    hooks: Registration | undefined,
    callbackOf: MessageId | undefined,
  ): Promise<void> {
    const isRequest = call.id !== undefined;
    if (isRequest) {
      this.incoming.set(call.id!, call);
      if (this.closeReason !== undefined) call.abort(this.closeReason);
    }
    try {
      const result = await chain.incoming(multipart ? 'stream' : isRequest ? 'call' : 'notify', call, params, callbackOf, async (intercepted) => {
        const guarded = hooks?.guard?.(call);
        if (isThenable(guarded)) await guarded;
        const value = await invoke(handler, intercepted, call, hooks);
        if (!multipart) return value;
        const streams = this.options.parts.streams;
        if (streams === undefined) throw new SparrowError(ErrorCode.Unsupported, `multipart target ${describeTarget(call.namespace, call.target)} needs the streams feature`);
        await streams.answer(call, value);
        return undefined;
      });
      if (isRequest && !multipart) this.answer(call, result);
    } catch (error) {
      if (isRequest) this.answerError(call, error);
      else this.logger.warn(`notification handler ${describeTarget(call.namespace, call.target)} failed`, error);
    } finally {
      if (isRequest) this.end(call);
      else {
        call.ended = true;
        this.active--;
      }
    }
  }

  private async runNotification(call: IncomingCall, handler: Handler, params: Params, hooks: Registration | undefined): Promise<void> {
    try {
      const guarded = hooks?.guard?.(call);
      if (isThenable(guarded)) await guarded;
      const result = invoke(handler, params, call, hooks);
      if (isThenable(result)) await result;
    } catch (error) {
      this.logger.warn(`notification handler ${describeTarget(call.namespace, call.target)} failed`, error);
    } finally {
      call.ended = true;
      this.active--;
    }
  }
}

let hiddenErrorCount = 0;

/**
 * `exposeErrors: false`: an exception that is not a typed error may hold
 * server details (paths, SQL); the caller gets a generic message with an
 * id, and the log gets the exception under the same id.
 */
function hiddenError(error: unknown, call: IncomingCall, logger: Logger): WireError {
  const id = `${Date.now().toString(36)}-${(++hiddenErrorCount).toString(36)}`;
  logger.error(`handler ${describeTarget(call.namespace, call.target)} failed (error id ${id})`, error);
  return { cat: 'e', type: 'Error', msg: `internal error (id ${id})` };
}

/** The validation hook, then the handler. */
function invoke(handler: Handler, params: Params, ctx: CallContext, hooks: Registration | undefined): unknown {
  const decode = hooks?.decodeParams;
  return handler(decode === undefined ? params : decode(params, ctx), ctx);
}

/**
 * The dispatcher as a part of a peer: the peer's own registry, then
 * `PeerOptions.registry`, behind the `#sys` targets.
 * @throws SparrowError `invalid-params` for a non-positive `maxConcurrentHandlers`.
 */
export const dispatcherFeature: PeerFeature = /* @__PURE__ */ defineFeature('dispatcher', [], (core: PeerCore) => {
  const { options } = core;
  const maxConcurrentHandlers = positiveOption('maxConcurrentHandlers', options.maxConcurrentHandlers, DEFAULT_MAX_CONCURRENT_HANDLERS);
  const registries = options.registry === undefined ? [new MapRegistry()] : [new MapRegistry(), options.registry];
  const identity = (): Identity | undefined => core.parts.session?.identity;
  const dispatcher: Dispatcher = new Dispatcher({
    peer: core.peer,
    outbox: core.outbox,
    logger: core.logger,
    system: createSystemTargets({
      cancel: (id) => dispatcher.cancel(id),
      credit: (id, n, batch) => core.parts.streams?.onCredit(id, n, batch),
      registries: () => registries,
      features: () => peerExtensions(core),
      describe: options.describe !== false,
      identity,
    }),
    registries,
    maxConcurrentHandlers,
    callerIdentity: options.callerIdentity,
    identity,
    exposeErrors: options.exposeErrors !== false,
    parts: core.parts,
    use: (features) => core.use(features),
  });
  return dispatcher;
});
