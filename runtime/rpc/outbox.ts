/**
 * What the peer sends, and the limit it sends under: requests,
 * notifications, responses, exceptions and acks go out through here, never
 * straight to the link. A message over `maxMessageBytes` is not sent: a
 * result becomes an exception (as the reference does), a request or a
 * notification fails with `limit-exceeded`.
 */
import type { AckMessage, ExceptionMessage, Message, MessageId, MessageLink, ResponseMessage, WireFormat } from '../envelope/message.ts';
import { ErrorCode, SparrowError, toWireError, type WireError } from '../errors.ts';
import { positiveOption } from './guards.ts';
import type { Logger } from './logger.ts';

/**
 * Default largest message this side sends (`PeerOptions.maxMessageBytes`):
 * the reference receiver's 10 MiB chain limit less room for the envelope
 * and part headers. A bigger value fails locally with `limit-exceeded`
 * instead of making the other side drop the connection.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024 - 4096;

/** The sending side of one peer. */
export class Outbox {
  declare readonly link: MessageLink;
  declare readonly maxMessageBytes: number;
  /** Set once the peer closed: no answer goes out any more. */
  closed = false;
  declare readonly logger: Logger;

  /** @throws SparrowError `invalid-params` for a `maxMessageBytes` that is not a positive number. */
  constructor(link: MessageLink, maxMessageBytes: number | undefined, logger: Logger) {
    this.link = link;
    this.maxMessageBytes = positiveOption('maxMessageBytes', maxMessageBytes, DEFAULT_MAX_MESSAGE_BYTES);
    this.logger = logger;
  }

  /**
   * Sends `message` under `maxMessageBytes`. Returns its encoded length (0
   * from a link that cannot measure) or, when nothing was sent, why:
   * `limit-exceeded` naming `what` (default: the answer to request N, for a response), or
   * `serialisation-error` when it does not encode.
   * The link measures the encoded message exactly (no walk over the value:
   * that walk was 1.3 % of a streaming server's samples).
   */
  attempt(message: Message, format: WireFormat, what?: string): number | SparrowError {
    try {
      const length = this.link.send(message, format, this.maxMessageBytes);
      if (length >= 0) return length;
    } catch (error) {
      return SparrowError.from(error, ErrorCode.SerialisationError);
    }
    // The response's name is built only on failure: a string per answer cost the pipelined and stream columns.
    const name = what ?? `the answer to request ${(message as ResponseMessage).to}`;
    return new SparrowError(ErrorCode.LimitExceeded, `${name}: larger than maxMessageBytes (${this.maxMessageBytes}); split it or stream it`);
  }

  /** {x: N} [{cat, type, msg}]: an error with no `data`, which always encodes (see `sendError` for one with data). */
  sendException(to: MessageId, error: WireError, format: WireFormat): void {
    this.reply({ kind: 'exception', to, ack: false, error }, format, true);
  }

  /** Sends an answer nobody waits on; false when it did not encode (logged when it was the `last` try). */
  reply(message: ExceptionMessage | AckMessage, format: WireFormat, last: boolean): boolean {
    if (this.closed) return true;
    try {
      this.link.send(message, format);
      return true;
    } catch (error) {
      if (last) this.logger.error(`could not send the ${message.kind} for request ${message.to}`, error);
      return false;
    }
  }
}

/** {a: N}. (A function: a page that answers nothing leaves it out of its bundle.) */
export function sendAck(outbox: Outbox, to: MessageId, format: WireFormat): void {
  outbox.reply({ kind: 'ack', to }, format, true);
}

/**
 * {x: N} [{cat, type, msg, ...}] for an error that may carry `data` (a
 * handler's exception): when it does not encode, sent again with the
 * reference's three keys. (A function: a page that answers only `#sys`
 * leaves it out of its bundle.)
 */
export function sendError(outbox: Outbox, to: MessageId, error: WireError, format: WireFormat): void {
  if (!outbox.reply({ kind: 'exception', to, ack: false, error }, format, false)) {
    // Only `data` can fail to encode: retry with the reference's three keys.
    outbox.sendException(to, { cat: error.cat, type: error.type, msg: error.msg }, format);
  }
}


/**
 * Sends a response; when it is too big or does not encode, answers with
 * that error instead (as the reference does) and returns false, so a
 * multipart sender stops there. (A function, not a method: a page that
 * answers only `#sys` leaves it out of its bundle.)
 */
export function sendResponse(outbox: Outbox, response: ResponseMessage, format: WireFormat): boolean {
  if (outbox.closed) return false;
  const sent = outbox.attempt(response, format);
  if (typeof sent === 'number') return true;
  sendFailure(outbox, response.to, sent, format);
  return false;
}

/** Answers request `to` with `error`: why its answer could not go out (`Outbox.attempt`). */
export function sendFailure(outbox: Outbox, to: MessageId, error: SparrowError, format: WireFormat): void {
  outbox.logger.debug(`the answer to request ${to} was not sent`, error);
  sendError(outbox, to, toWireError(error), format);
}
