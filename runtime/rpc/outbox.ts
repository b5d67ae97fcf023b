/**
 * What the peer sends, and the limit it sends under: responses, exceptions,
 * acks and size-checked requests go out through here, never straight to the
 * link. A message over `maxMessageBytes` is not sent: a result becomes an
 * exception (as the reference does), a request fails with `limit-exceeded`.
 */
import type { Message, MessageId, MessageLink, ResponseMessage, WireFormat } from '../envelope/message.ts';
import { ErrorCode, SparrowError, toWireError, type WireError } from '../errors.ts';
import type { Logger } from './logger.ts';

/**
 * A link that checks the encoded size itself (`createMessageLink`'s does):
 * `send` with `maxBytes` returns -1 and sends nothing when the message is
 * longer. With it the peer never walks a value to estimate its size.
 */
interface SizeCheckingLink {
  readonly checksSize: true;
  send(message: Message, format: WireFormat, maxBytes: number): number;
}

/**
 * A cheap upper-bound-ish estimate of a value's encoded size: bytes and
 * strings at their length, a few bytes per other item. Stops as soon as it
 * passes `budget`; does not allocate. Deeper than `depth` levels the codec's
 * nesting limit rejects the value anyway.
 */
export function estimateSize(value: object, budget: number, depth: number): number {
  if (ArrayBuffer.isView(value)) return value.byteLength + 9;
  if (value instanceof ArrayBuffer) return value.byteLength + 9;
  if (depth <= 0) return 0;
  let size = 5;
  if (Array.isArray(value)) {
    for (let k = 0; k < value.length && size <= budget; k++) size += itemSize(value[k], budget - size, depth);
    return size;
  }
  if (value instanceof Map) {
    for (const [key, item] of value) {
      size += itemSize(key, budget - size, depth) + itemSize(item, budget - size, depth);
      if (size > budget) break;
    }
    return size;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    size += key.length + 1 + itemSize(record[key], budget - size, depth);
    if (size > budget) break;
  }
  return size;
}

function itemSize(item: unknown, budget: number, depth: number): number {
  if (typeof item === 'string') return item.length + 5;
  if (typeof item === 'object' && item !== null) return estimateSize(item, budget, depth - 1);
  return 9;
}

/** The sending side of one peer. */
export class Outbox {
  readonly link: MessageLink;
  readonly maxMessageBytes: number;
  /** Set once the peer closed: nothing more goes out. */
  closed = false;
  private readonly logger: Logger;
  /** `link` when it checks sizes itself; otherwise payloads are estimated before sending (`fits`). */
  private readonly sizedLink: SizeCheckingLink | undefined;

  constructor(link: MessageLink, maxMessageBytes: number, logger: Logger) {
    this.link = link;
    this.maxMessageBytes = maxMessageBytes;
    this.logger = logger;
    this.sizedLink = (link as { checksSize?: unknown }).checksSize === true ? (link as unknown as SizeCheckingLink) : undefined;
  }

  /**
   * Sends a message whose `payload` is subject to `maxMessageBytes`; returns
   * false, sending nothing, when it is over. A size-checking link measures
   * the encoded message exactly (no walk over the value: that walk was
   * 1.3 % of a streaming server's samples); other links get the estimate.
   * Throws what the encoder throws.
   */
  transmit(message: Message, format: WireFormat, payload: unknown): boolean {
    if (this.sizedLink !== undefined) return this.sizedLink.send(message, format, this.maxMessageBytes) >= 0;
    if (payload !== undefined && !this.fits(payload)) return false;
    this.link.send(message, format);
    return true;
  }

  /**
   * `transmit` for a payload whose encoded length is worth knowing (a
   * batch): the length when measured, 0 when sent unmeasured, -1 when over
   * the limit (nothing sent). Throws what the encoder throws.
   */
  measure(message: Message, format: WireFormat, payload: unknown): number {
    if (this.sizedLink !== undefined) return this.sizedLink.send(message, format, this.maxMessageBytes);
    if (!this.fits(payload)) return -1;
    this.link.send(message, format);
    return 0;
  }

  /** `transmit`, with encoding errors thrown as `serialisation-error`. Returns false when too big (nothing sent). */
  sendOrThrow(message: Message, format: WireFormat, payload: unknown): boolean {
    try {
      return this.transmit(message, format, payload);
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
      if (this.transmit(response, format, response.hasResult ? response.result : undefined)) return true;
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
    this.logger.debug('encoding a response failed', error);
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
        this.logger.error(`could not send the exception for request ${String(to)}`, sendError);
      }
    }
  }

  /** {a: N}. */
  sendAck(to: MessageId, format: WireFormat): void {
    if (this.closed) return;
    try {
      this.link.send({ kind: 'ack', to }, format);
    } catch (error) {
      this.logger.error(`could not send the acknowledge for request ${String(to)}`, error);
    }
  }

  tooBigError(what: string): SparrowError {
    return new SparrowError(ErrorCode.LimitExceeded, `${what}: payload larger than ${this.maxMessageBytes} bytes (the receiver's chain limit); split it or stream it`);
  }

  /** True when `value`'s estimated encoded size is within `maxMessageBytes` (links that do not check sizes). Scalars cost one typeof. */
  private fits(value: unknown): boolean {
    if (typeof value !== 'object' || value === null) {
      return typeof value !== 'string' || value.length <= this.maxMessageBytes;
    }
    return estimateSize(value, this.maxMessageBytes, 64) <= this.maxMessageBytes;
  }
}
