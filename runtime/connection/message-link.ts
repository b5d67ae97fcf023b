/**
 * A transport seen as a stream of messages:
 * transport bytes → chain decoder → envelope codec → onMessage, and back.
 *
 * Error policy:
 * - a framing error or a breached chain limit is fatal: the byte stream can
 *   no longer be trusted, so the link reports it (`fatal: true`) and closes
 *   the transport; onClose follows from the transport;
 * - a chain whose envelope cannot be read is fatal too (no message in any
 *   layout, such as an empty chain or an unknown prefix; an envelope in a
 *   serialiser this link lacks or over the decode budget): its id cannot
 *   be read, so it cannot be answered, and such a sender is broken or
 *   hostile;
 * - a well-framed chain that is not a valid message (bad envelope, unknown
 *   marker, undecodable payload, nesting too deep) is reported with
 *   `fatal: false` and dropped; the link keeps going;
 * - oddities the reference rejects but whose meaning is clear (extra
 *   envelope keys, a missing 0.1.2 `v`) are reported with `fatal: false`
 *   and the message is still delivered;
 * - an exception thrown by onMessage is reported with `fatal: false` (code
 *   `invalid-state`, the exception as cause) so a handler bug never
 *   desynchronises the decoder.
 *
 * Every close the link decides (fatal errors, budgets, deadlines; see
 * link-limits.ts) goes through closeConnection with its reason, after the
 * handlers' `onClosing`.
 *
 * The budgets and deadlines are a subclass (`GuardedMessageLink`, with a
 * `LinkGuard`): `createMessageLink` always makes one, `createBareMessageLink`
 * (a browser client's link) does not, so a page that never names them does
 * not bundle them. Either link keeps the chain and nesting limits.
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import { ChainDecoder, WatchedChainDecoder, type Chain, type ChainLimits } from '../framing/chain-decoder.ts';
import type { Transport, TransportHandlers } from '../transport/transport.ts';
import { createEnvelopeWriter, encodeMessagePieces, serialisersOf } from '../envelope/codec.ts';
import { UnreadableEnvelopeError, decodeChain, type DecodeChainOptions } from '../envelope/decode.ts';
import type { Message, MessageLink, MessageLinkHandlers, WireFormat } from '../envelope/message.ts';
import { DEFAULT_MAX_ELEMENTS } from '../serialisation/budget.ts';
import { DEFAULT_MAX_DEPTH, type Serialiser, type SerialiserTable } from '../serialisation/serialiser.ts';
import { chainLength, whenDrained, type ChainBytes } from '../wire.ts';
import { closeConnection, closeForError, type ConnectionClose } from './connection-close.ts';
import { LinkGuard, resolveLinkLimits, type GuardedLink, type LinkLimitOptions, type LinkLimits } from './link-limits.ts';

/** Receiver limits, budgets and deadlines of a link. */
export interface MessageLinkOptions extends LinkLimitOptions {
  /** Chain limits; missing fields take the reference defaults (10 MiB part and chain, 10 parts). */
  limits?: Partial<ChainLimits>;
  /** Nesting limit for decoded values (default DEFAULT_MAX_DEPTH = 64). */
  maxDepth?: number;
  /** Decode budget: most values in one part of a message (default DEFAULT_MAX_ELEMENTS = 1,000,000). */
  maxElements?: number;
  /**
   * The serialisers this link reads and writes besides JSON, which is always
   * there, e.g. `[msgpackSerialiser]` (from `sparrow-rpc/msgpack`).
   * Default: all three on Node; JSON only in a browser bundle.
   */
  serialisers?: readonly Serialiser[];
}

/** Smallest rest of a part worth a read of its own, in place (smaller rests come with the next bytes). */
const IN_PLACE_READ_BYTES = 65_536; // 64 KiB

/**
 * The link without budgets and deadlines (createBareMessageLink); the
 * guarded link below adds them. It is its own DecodeChainOptions:
 * decodeChain reads the limits, `onWarning` and `reply` off it, so no
 * options object is copied per link.
 */
class WireMessageLink implements MessageLink, TransportHandlers, DecodeChainOptions {
  // The fields the constructor sets are `declare`d: a declaration is code in every page's bundle (ES2022 class fields).
  declare readonly transport: Transport;
  declare readonly remote: string;
  /** GuardedMessageLink reads where the decoder is between chains and what it holds. */
  declare readonly decoder: ChainDecoder;
  declare readonly maxDepth: number;
  declare readonly maxElements: number;
  declare readonly serialisers: SerialiserTable;
  #handlers: MessageLinkHandlers | undefined;
  dead = false;
  /** This link's encoder state (not shared with other links). */
  readonly #writer = createEnvelopeWriter();

  constructor(transport: Transport, options: MessageLinkOptions, Decoder = ChainDecoder) {
    this.transport = transport;
    this.remote = transport.remote;
    this.decoder = new Decoder((chain) => this.take(chain), options.limits, transport.freshChunks === true);
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.maxElements = options.maxElements ?? DEFAULT_MAX_ELEMENTS;
    this.serialisers = serialisersOf(options.serialisers);
  }

  get bufferedAmount(): number {
    return this.transport.bufferedAmount;
  }

  start(handlers: MessageLinkHandlers): void {
    if (this.#handlers !== undefined) throw new SparrowError(ErrorCode.InvalidState, 'message link already started');
    this.#handlers = handlers;
    this.transport.start(this);
  }

  /** MessageLink.send. */
  send(message: Message, format: WireFormat, maxBytes?: number): number {
    // Pieces, not one buffer: a large bytes payload reaches the transport uncopied.
    const chain = encodeMessagePieces(message, format, this.serialisers, this.#writer);
    const length = chainLength(chain);
    if (length > (maxBytes ?? Infinity)) return -1;
    this.transport.send(chain);
    return length;
  }

  // No `drained`: only flow control (streams) waits for the output, and it polls a link without one (whenDrained).

  close(): void {
    this.transport.close();
  }

  /** TransportHandlers.onData. */
  onData(bytes: Uint8Array): void {
    if (this.dead) return;
    try {
      this.decoder.push(bytes);
    } catch (error) {
      this.giveUp(closeForError(SparrowError.from(error, ErrorCode.ProtocolError)));
    }
  }

  /**
   * The one place the link closes the connection on its own: after the
   * handlers' last word (`onClosing`), through closeConnection with the
   * reason, then reported as a fatal protocol error.
   */
  giveUp(close: ConnectionClose): void {
    if (this.dead) return;
    this.dead = true;
    const handlers = this.#handlers!;
    try {
      // The handlers' last word (a close-reason message) may still send.
      handlers.onClosing?.(close.code, close.error);
    } catch {
      // The close must happen whatever the hook does.
    }
    closeConnection(this.transport, close);
    handlers.onProtocolError(close.error, true);
  }

  /** TransportHandlers.onClose. */
  onClose(error?: Error): void {
    this.dead = true;
    this.#handlers!.onClose(error);
  }

  /** A chain is complete (the decoder's callback). */
  take(chain: Chain): void {
    // Not after the link gave up on a chain before it in the same chunk.
    if (!this.dead) this.deliver(chain);
  }

  /** Decodes and hands on one chain. */
  deliver(chain: Chain): void {
    const handlers = this.#handlers!;
    let message;
    try {
      message = decodeChain(chain, this);
    } catch (error) {
      // Nothing from this sender can be read or answered (see UnreadableEnvelopeError): end the connection now.
      if (error instanceof UnreadableEnvelopeError) this.giveUp(closeForError(error));
      else handlers.onProtocolError(SparrowError.from(error, ErrorCode.ProtocolError), false);
      return;
    }
    try {
      handlers.onMessage(message, chainLength(chain.parts));
    } catch (error) {
      handlers.onProtocolError(new SparrowError(ErrorCode.InvalidState, `onMessage threw: ${(error as Error)?.message ?? String(error)}`, { cause: error }), false);
    }
  }

  // The DecodeChainOptions callbacks are arrow fields: the codec may call them unbound.

  /** DecodeChainOptions.reply: a request in a serialiser this side lacks is answered with the error (no call hangs). */
  readonly reply = (chain: ChainBytes): void => {
    if (!this.dead) this.transport.send(chain);
  };

  /** DecodeChainOptions.onWarning, and TransportHandlers.onWarning (a dropped WebSocket text frame). */
  readonly onWarning = (warning: SparrowError): void => {
    this.#handlers!.onProtocolError(warning, false);
  };
}

/** A link with its budgets and deadlines (LinkGuard): what createMessageLink makes. */
class GuardedMessageLink extends WireMessageLink implements GuardedLink {
  /** The decoder that tells the guard what it watches. */
  declare readonly decoder: WatchedChainDecoder;
  readonly #guard: LinkGuard;
  #handlers: MessageLinkHandlers | undefined;

  constructor(transport: Transport, options: MessageLinkOptions, limits: LinkLimits) {
    super(transport, options, WatchedChainDecoder);
    this.#guard = new LinkGuard(this, limits);
  }

  override start(handlers: MessageLinkHandlers): void {
    if (this.#handlers === undefined) this.#guard.start();
    this.#handlers = handlers;
    super.start(handlers);
  }

  /** MessageLink.drained: the transport's drain signal (every Node transport has one), else polling. */
  drained(): Promise<void> {
    return whenDrained(this.transport);
  }

  get atChainBoundary(): boolean {
    return this.decoder.idle;
  }

  /** The handlers have work in flight. */
  busy(): boolean {
    return this.#handlers?.isBusy?.() ?? false;
  }

  override send(message: Message, format: WireFormat, maxBytes?: number): number {
    const length = super.send(message, format, maxBytes);
    if (length >= 0) this.#guard.sent();
    return length;
  }

  override onData(bytes: Uint8Array): void {
    super.onData(bytes);
    if (!this.dead) this.#guard.received(this.decoder.pendingBytes);
  }

  override giveUp(close: ConnectionClose): void {
    this.#guard.stop();
    super.giveUp(close);
  }

  override onClose(error?: Error): void {
    this.#guard.stop();
    super.onClose(error);
  }

  /**
   * TransportHandlers.receiveBuffer: a large part's rest, which a transport
   * may read straight into. Only Node's stream transports ask, and their
   * links are guarded ones, so a page's link does without it.
   */
  receiveBuffer(): Uint8Array | undefined {
    return this.dead ? undefined : this.decoder.spareCapacity(IN_PLACE_READ_BYTES);
  }

  override take(chain: Chain): void {
    // Held back by backpressure: the guard delivers it once the output drains.
    if (!this.dead && !this.#guard.hold(chain)) this.deliver(chain);
  }
}

/**
 * Wraps a transport as a MessageLink, with the connection's budgets and
 * deadlines (link-limits.ts). Nothing is read until `start`.
 *
 * Errors reach `onProtocolError`: `protocol-error` / `limit-exceeded` with
 * `fatal: true` for framing and chain limits (the transport is then
 * closed); `protocol-error`, `serialisation-error` or `limit-exceeded`
 * (nesting) with `fatal: false` for a dropped chain. `send` throws
 * SparrowError `serialisation-error`, `invalid-params` or `unsupported`
 * from the encoder (see encodeMessage); `start` throws `invalid-state` when
 * called twice.
 *
 * @throws SparrowError `invalid-params` when a budget or deadline is not a non-negative number.
 */
export function createMessageLink(transport: Transport, options: MessageLinkOptions = {}): MessageLink {
  return new GuardedMessageLink(transport, options, resolveLinkLimits(options));
}

/**
 * `createMessageLink` without the budgets and deadlines (what a browser
 * client's `openPeer` uses; a listener's connections always have them):
 * the chain limits, the nesting limit and the decode budget still apply.
 * Ignores the `LinkLimitOptions`.
 */
export function createBareMessageLink(transport: Transport, options: MessageLinkOptions = {}): MessageLink {
  return new WireMessageLink(transport, options);
}
