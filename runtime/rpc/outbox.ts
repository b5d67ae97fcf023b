/**
 * What the peer sends, and the limit it sends under: responses, exceptions,
 * acks and size-checked requests go out through here, never straight to the
 * link. A message over `maxMessageBytes` is not sent: a result becomes an
 * exception (as the reference does), a request fails with `limit-exceeded`.
 */
import type { Message, MessageId, MessageLink, ResponseMessage, WireFormat } from '../envelope/message.ts';
import { ErrorCode, SparrowError, toWireError, type WireError } from '../errors.ts';
import type { Logger } from './logger.ts';

/** The sending side of one peer. */
export class Outbox {
  readonly link: MessageLink;
  readonly maxMessageBytes: number;
  /** Set once the peer closed: nothing more goes out. */
  closed = false;
  readonly #logger: Logger;

  constructor(link: MessageLink, maxMessageBytes: number, logger: Logger) {
    this.link = link;
    this.maxMessageBytes = maxMessageBytes;
    this.#logger = logger;
  }

  /**
   * Sends a message subject to `maxMessageBytes`; returns false, sending
   * nothing, when it is over. The link measures the encoded message exactly
   * (no walk over the value: that walk was 1.3 % of a streaming server's
   * samples). Throws what the encoder throws.
   */
  transmit(message: Message, format: WireFormat): boolean {
    return this.link.send(message, format, this.maxMessageBytes) >= 0;
  }

  /**
   * `transmit` for a message whose encoded length is worth knowing (a
   * batch): the length (0 from a link that cannot measure), -1 when over the
   * limit (nothing sent). Throws what the encoder throws.
   */
  measure(message: Message, format: WireFormat): number {
    return this.link.send(message, format, this.maxMessageBytes);
  }

  /** `transmit`, with encoding errors thrown as `serialisation-error`. Returns false when too big (nothing sent). */
  sendOrThrow(message: Message, format: WireFormat): boolean {
    try {
      return this.transmit(message, format);
    } catch (error) {
      throw SparrowError.from(error, ErrorCode.SerialisationError);
    }
  }

  /**
   * Sends a response; when its result is too big or cannot be encoded,
   * answers with an exception instead (as the reference does) and returns
   * false, so a multipart sender stops there.
   */
  sendResponse(response: ResponseMessage, format: WireFormat): boolean {
    if (this.closed) return false;
    try {
      if (this.transmit(response, format)) return true;
      this.sendTooBig(response.to, format);
      return false;
    } catch (error) {
      this.sendEncodeFailure(response.to, error, format);
      return false;
    }
  }

  /** Answers request `to` with `limit-exceeded`: its answer was over `maxMessageBytes`. */
  sendTooBig(to: MessageId, format: WireFormat): void {
    this.sendException(to, toWireError(this.tooBigError(`the answer to request ${String(to)}`)), format);
  }

  /** Answers request `to` with `serialisation-error`: its answer did not encode. */
  sendEncodeFailure(to: MessageId, error: unknown, format: WireFormat): void {
    this.#logger.debug('encoding a response failed', error);
    this.sendException(to, toWireError(SparrowError.from(error, ErrorCode.SerialisationError)), format);
  }

  /** {x: N} [{cat, type, msg, ...}]. */
  sendException(to: MessageId, error: WireError, format: WireFormat): void {
    if (this.closed) return;
    try {
      this.link.send({ kind: 'exception', to, ack: false, error }, format);
    } catch (sendError) {
      // Only `data` can fail to encode: retry with the reference's three keys.
      try {
        this.link.send({ kind: 'exception', to, ack: false, error: { cat: error.cat, type: error.type, msg: error.msg } }, format);
      } catch {
        this.#logger.error(`could not send the exception for request ${String(to)}`, sendError);
      }
    }
  }

  /** {a: N}. */
  sendAck(to: MessageId, format: WireFormat): void {
    if (this.closed) return;
    try {
      this.link.send({ kind: 'ack', to }, format);
    } catch (error) {
      this.#logger.error(`could not send the acknowledge for request ${String(to)}`, error);
    }
  }

  tooBigError(what: string): SparrowError {
    return new SparrowError(ErrorCode.LimitExceeded, `${what}: payload larger than ${this.maxMessageBytes} bytes (the receiver's chain limit); split it or stream it`);
  }

}
