/**
 * The decoded form of one Sparrow v050 message (PROTOCOL.md §5–6).
 *
 * This is the contract between the envelope codec (chains ⇄ messages) and
 * the peer (messages ⇄ calls). It carries meaning only: key order, `l: null`
 * noise and JSON spacing are the codec's business.
 */
import type { WireError } from '../errors.ts';

import type { ChainLayout, SerialiserCode } from '../wire.ts';

export type { ChainLayout, SerialiserCode } from '../wire.ts';

/** Message ids: Python sends positive ints; any scalar is accepted (§7.1, §14). */
export type MessageId = number | string;

/** How a message is (or was) laid out on the wire. */
export interface WireFormat {
  layout: ChainLayout;
  /** The envelope serialiser. */
  serialiser: SerialiserCode;
  /** The payload serialiser when it differs from the envelope's (envelope key `l`). */
  payloadSerialiser?: SerialiserCode;
  /** Protocol tag: `.5` is v050, `b` the basic JSON-RPC-like encoder (§9). */
  protocol?: '.5' | 'b';
}

/** Request type flags (§7.4): normal, quiet (`q`) or silent (`s`). */
export type RequestType = 'normal' | 'quiet' | 'silent';

/** Params are always passed by name (§6). */
export type Params = Record<string, unknown>;

/** The "special" payload part of a request with callbacks or iterable params (§6, §7.8, §7.9). */
export interface CallbackDeclarations {
  /** Names of callback params (`#cb`). */
  callbacks: string[];
  /** Names of iterable params (`#icb`). */
  iterables: string[];
}

interface Addressed {
  target: string;
  /** Namespace (`s`); absent or "" is the default namespace. */
  namespace?: string;
  /** Node (`d`): carried, unused. */
  node?: string;
  /** For callback calls (`c`): the receiver's own request id this call belongs to. */
  callbackOf?: MessageId;
  params?: Params;
}

/** `r` marker. */
export interface RequestMessage extends Addressed {
  kind: 'request';
  id: MessageId;
  requestType: RequestType;
  /** `a` flag: please acknowledge. */
  ack: boolean;
  declarations?: CallbackDeclarations;
}

/** `n` marker. */
export interface NotificationMessage extends Addressed {
  kind: 'notification';
}

/** `p` marker. */
export interface ResponseMessage {
  kind: 'response';
  /** The id of the request this answers (in the receiver's id space). */
  to: MessageId;
  /** `m` flag. */
  multipart: boolean;
  /** `f` (final item carried) or `t` (terminator, no data); absent = neither. */
  final?: 'final' | 'terminator';
  /** `a` flag (needs `id`). */
  ack: boolean;
  id?: MessageId;
  /** Whether a result part is present. A missing part means null/None (§6). */
  hasResult: boolean;
  result?: unknown;
}

/** `x` marker. */
export interface ExceptionMessage {
  kind: 'exception';
  to: MessageId;
  ack: boolean;
  id?: MessageId;
  error: WireError;
}

/** `a` marker. */
export interface AckMessage {
  kind: 'ack';
  to: MessageId;
}

export type Message = RequestMessage | NotificationMessage | ResponseMessage | ExceptionMessage | AckMessage;

/** A message as decoded from the wire, with the format it arrived in. */
export type IncomingMessage = Message & { format: WireFormat };

/** Handlers of a MessageLink; set once. */
export interface MessageLinkHandlers {
  /** One decoded message, and the length of the chain it came in (what a buffer of unread messages counts; absent from a link that has no bytes). */
  onMessage(message: IncomingMessage, bytes?: number): void;
  /**
   * Something the other side sent could not be understood. `fatal` is true
   * when the byte stream can no longer be trusted (a framing error or a
   * breached limit): the link then closes itself and onClose follows.
   */
  onProtocolError(error: import('../errors.ts').SparrowError, fatal: boolean): void;
  /** The underlying transport closed (error: it broke). Called exactly once. */
  onClose(error?: Error): void;
  /**
   * Optional: whether calls, streams, callbacks or subscriptions are in
   * flight. A busy link is never closed for being idle.
   */
  isBusy?(): boolean;
  /**
   * Optional: the link is about to close the connection on its own
   * (`code` is a ConnectionCloseCode, `error` says why); the last moment to
   * send something, e.g. a close-reason message to a peer that listed it.
   */
  onClosing?(code: string, error: import('../errors.ts').SparrowError): void;
}

/**
 * A transport seen as a stream of messages: transport bytes → chain decoder
 * → envelope codec, and back. The peer talks only to this.
 */
export interface MessageLink {
  readonly remote: string;
  start(handlers: MessageLinkHandlers): void;
  /**
   * Encodes and queues one message in the given format. With `maxBytes`, a
   * message whose encoded chain is longer is not sent and -1 is returned:
   * the encoder knows the exact length, so nobody walks the value to
   * estimate it first.
   * @returns the encoded length in bytes, or -1 when over `maxBytes`.
   * @throws what the envelope codec throws (`serialisation-error`,
   *   `invalid-params`, `unsupported`); nothing is sent then.
   */
  send(message: Message, format: WireFormat, maxBytes?: number): number;
  readonly bufferedAmount: number;
  /**
   * Resolves once the output has drained. Optional: only flow control
   * (streams) waits, and it polls `bufferedAmount` of a link without it
   * (`whenDrained`), as a browser page's bare link is.
   */
  drained?(): Promise<void>;
  close(): void;
}
