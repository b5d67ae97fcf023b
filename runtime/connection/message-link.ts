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
 * The budgets and deadlines are a part the link is given (`LinkGuard`):
 * `createMessageLink` always has it, `createBareMessageLink` (a browser
 * client's link) has none, so a page that never names them does not
 * bundle them. Either link keeps the chain and nesting limits.
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import { ChainDecoder, type Chain, type ChainLimits } from '../framing/chain-decoder.ts';
import type { Transport, TransportHandlers } from '../transport/transport.ts';
import { createEnvelopeWriter, encodeMessagePieces, serialisersOf } from '../envelope/codec.ts';
import { UnreadableEnvelopeError, decodeChain, type DecodeChainOptions } from '../envelope/decode.ts';
import type { Message, MessageLink, MessageLinkHandlers, WireFormat } from '../envelope/message.ts';
import { DEFAULT_MAX_DEPTH, type Serialiser, type SerialiserTable } from '../serialisation/serialiser.ts';
import { chainLength, type ChainBytes } from '../wire.ts';
import { closeConnection, closeForError, type ConnectionClose } from './connection-close.ts';
import { LinkGuard, resolveLinkLimits, type GuardedLink, type LinkLimitOptions } from './link-limits.ts';

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
const IN_PLACE_READ_BYTES = 64 * 1024;

class WireMessageLink implements MessageLink, TransportHandlers, GuardedLink {
  readonly transport: Transport;
  readonly #decoder: ChainDecoder;
  readonly #decodeOptions: DecodeChainOptions;
  readonly #serialisers: SerialiserTable;
  #handlers: MessageLinkHandlers | undefined;
  dead = false;
  /** This link's encoder state (not shared with other links). */
  readonly #writer = createEnvelopeWriter();
  /** The budgets and deadlines, when the link has them. */
  readonly #guard: LinkGuard | undefined;

  constructor(transport: Transport, options: MessageLinkOptions, guard?: (link: GuardedLink) => LinkGuard) {
    this.transport = transport;
    // Bound once per link, not per message.
    this.#decoder = new ChainDecoder(this.#onChain.bind(this), options.limits, transport.freshChunks === true);
    this.#serialisers = serialisersOf(options.serialisers);
    this.#guard = guard?.(this);
    this.#decodeOptions = {
      maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH,
      ...(options.maxElements === undefined ? {} : { maxElements: options.maxElements }),
      onWarning: this.#onWarning.bind(this),
      serialisers: this.#serialisers,
      // A request in a serialiser this side lacks is answered with the error (no call hangs).
      reply: this.#reply.bind(this),
    };
  }

  get remote(): string {
    return this.transport.remote;
  }

  get bufferedAmount(): number {
    return this.transport.bufferedAmount;
  }

  start(handlers: MessageLinkHandlers): void {
    if (this.#handlers !== undefined) throw new SparrowError(ErrorCode.InvalidState, 'message link already started');
    this.#handlers = handlers;
    this.#guard?.start();
    this.transport.start(this);
  }

  /** GuardedLink.atChainBoundary. */
  get atChainBoundary(): boolean {
    return this.#decoder.idle;
  }

  /** GuardedLink.busy: the handlers have work in flight. */
  busy(): boolean {
    return this.#handlers?.isBusy?.() ?? false;
  }

  /** MessageLink.send. */
  send(message: Message, format: WireFormat, maxBytes?: number): number {
    // Pieces, not one buffer: a large bytes payload reaches the transport uncopied.
    const chain = encodeMessagePieces(message, format, this.#serialisers, this.#writer);
    const length = chainLength(chain);
    if (maxBytes !== undefined && length > maxBytes) return -1;
    this.transport.send(chain);
    this.#guard?.sent();
    return length;
  }

  drained(): Promise<void> {
    return this.transport.drained();
  }

  close(): void {
    this.transport.close();
  }

  /** TransportHandlers.onData. */
  onData(bytes: Uint8Array): void {
    if (this.dead) return;
    try {
      this.#decoder.push(bytes);
    } catch (error) {
      if (!this.dead) this.giveUp(closeForError(SparrowError.from(error, ErrorCode.ProtocolError)));
      return;
    }
    this.#guard?.received(this.#decoder.pendingBytes);
  }

  /**
   * The one place the link closes the connection on its own: after the
   * handlers' last word (`onClosing`), through closeConnection with the
   * reason, then reported as a fatal protocol error.
   */
  giveUp(close: ConnectionClose): void {
    if (this.dead) return;
    this.dead = true;
    this.#guard?.stop();
    const handlers = this.#handlers!;
    closeConnection(this.transport, close, handlers.onClosing === undefined ? undefined : (c) => handlers.onClosing!(c.code, c.error));
    handlers.onProtocolError(close.error, true);
  }

  /** TransportHandlers.receiveBuffer: a large part's rest, which a transport may read straight into. */
  receiveBuffer(): Uint8Array | undefined {
    return this.dead ? undefined : this.#decoder.spareCapacity(IN_PLACE_READ_BYTES);
  }

  /** TransportHandlers.onClose. */
  onClose(error?: Error): void {
    this.dead = true;
    this.#guard?.stop();
    if (error === undefined) this.#handlers!.onClose();
    else this.#handlers!.onClose(error);
  }

  #onChain(chain: Chain): void {
    // A chain after one that made the link give up, in the same chunk; or one held back by backpressure.
    if (this.dead || this.#guard?.hold(chain) === true) return;
    this.deliver(chain);
  }

  /** GuardedLink.deliver. */
  deliver(chain: Chain): void {
    const handlers = this.#handlers!;
    let message;
    try {
      message = decodeChain(chain, this.#decodeOptions);
    } catch (error) {
      if (error instanceof UnreadableEnvelopeError) {
        // Nothing from this sender can be read or answered (see UnreadableEnvelopeError): end the connection now.
        this.giveUp(closeForError(error));
        return;
      }
      handlers.onProtocolError(SparrowError.from(error, ErrorCode.ProtocolError), false);
      return;
    }
    try {
      handlers.onMessage(message);
    } catch (error) {
      handlers.onProtocolError(new SparrowError(ErrorCode.InvalidState, `onMessage threw: ${(error as Error)?.message ?? String(error)}`, { cause: error }), false);
    }
  }

  #reply(chain: ChainBytes): void {
    if (!this.dead) this.transport.send(chain);
  }

  #onWarning(warning: SparrowError): void {
    this.#handlers!.onProtocolError(warning, false);
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
  const limits = resolveLinkLimits(options);
  return new WireMessageLink(transport, options, (link) => new LinkGuard(link, limits));
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
