/**
 * What this side starts (PROTOCOL.md §7): a request, registered in the call
 * table until it is answered, and a notification, which nothing answers.
 * The peer's `call` and `notify`, the streams part and the callbacks part
 * all send through here, so every request passes the same limits in the
 * same order: closed, `maxPendingCalls`, aborted, timeout, params, nesting,
 * `maxMessageBytes`.
 */
import type { NotificationMessage, Params, RequestMessage } from '../envelope/message.ts';
import { ErrorCode, SparrowError } from '../errors.ts';
import { checkDecoded } from '../serialisation/depth.ts';
import { DEFAULT_MAX_DEPTH } from '../serialisation/serialiser.ts';
import type { PeerCore } from './features.ts';
import { countPlainParams } from './guards.ts';
import type { PendingEntry } from './pending-call.ts';
import { unsupported } from './peer-parts.ts';
import type { CallOptions, StreamOptions } from './types.ts';

/**
 * Sends one request for `entry` and registers it in `core.calls`; every
 * failure settles the entry instead of throwing. `beforeSend` runs once
 * the entry has its id, right before the request goes out (the parts'
 * hook: a callback request's `c`, a stream's first grant); an error it
 * returns fails the request unsent. It never throws.
 */
export function sendRequest(
  core: PeerCore,
  entry: PendingEntry,
  target: string,
  params: Params | undefined,
  options: CallOptions | StreamOptions,
  beforeSend?: (message: RequestMessage) => SparrowError | undefined,
): void {
  const calls = core.calls;
  // {r[a][q]: target, i: id, [c], [s]} [params] [{#cb, #icb}]
  const message: RequestMessage = { kind: 'request', id: 0, target, requestType: (options as CallOptions).quiet === true ? 'quiet' : 'normal', ack: options.onAck !== undefined };
  let timeout: number;
  try {
    if (core.isClosed) throw core.closedError(target);
    timeout = calls.admit(target, options);
    entry.id = message.id = calls.takeId();
    if (options.namespace) message.namespace = options.namespace;
    if (params) {
      const callbacks = core.parts.callbacks;
      if (callbacks) entry.locals = callbacks.prepare(message, params, options.paramKinds);
      else {
        const count = countPlainParams(params, options.paramKinds);
        if (count < 0) throw unsupported(target, 'callbacks');
        // The reference omits an empty params part.
        if (count > 0) message.params = params;
      }
      // The receiver's nesting limit, checked here: a call it would refuse fails locally, with its code.
      checkDecoded(params, DEFAULT_MAX_DEPTH);
    }
  } catch (error) {
    return entry.fail(SparrowError.from(error, ErrorCode.InvalidParams));
  }
  entry.onAck = options.onAck;
  calls.add(entry, timeout, options.signal);
  const sent = beforeSend?.(message) ?? core.outbox.attempt(message, core.format, target);
  if (typeof sent !== 'number') {
    calls.finish(entry);
    entry.fail(sent);
  }
}

/**
 * Sends a notification, `what` naming it in errors.
 * @throws SparrowError `connection-closed` once closed, `limit-exceeded`
 *   over `maxMessageBytes`, `serialisation-error` when it does not encode.
 */
export function sendNotification(core: PeerCore, message: NotificationMessage, what: string): void {
  if (core.isClosed) throw core.closedError(what);
  const sent = core.outbox.attempt(message, core.format, what);
  if (typeof sent !== 'number') throw sent;
}
