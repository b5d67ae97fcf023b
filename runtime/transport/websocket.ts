/**
 * WebSocket transport (PROTOCOL.md §2): exactly one chain per binary
 * message, in both directions. Browser-safe: it runs over anything shaped
 * like a WebSocket — the browser's global `WebSocket`, or the `ws` package's
 * class on Node (the Node entry passes that in; this file never imports it).
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import { guardConnect } from './connect-guard.ts';
import { chainLength, joinChain } from '../wire.ts';
import type { ChainBytes, CloseReason, ConnectionFacts, ConnectOptions, Transport, TransportHandlers } from './transport.ts';

/** WebSocket readyState values (the same in browsers and in `ws`). */
const CONNECTING = 0;
const OPEN = 1;

/** A message, close or error event as both the DOM and `ws` deliver them. */
export interface WebSocketEventLike {
  /** Message payload: ArrayBuffer, a byte view (ws `nodebuffer`), or a string (text frame). */
  readonly data?: unknown;
  /** Close code. */
  readonly code?: number;
  readonly reason?: string;
  /** The error behind an `error` event (`ws` only; the DOM hides it). */
  readonly error?: unknown;
  readonly message?: string;
}

/**
 * The part of a WebSocket this transport uses. Both the DOM `WebSocket` and
 * the `ws` package's `WebSocket` satisfy it.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: Uint8Array<ArrayBuffer>): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: stop and restart reading (backpressure; Node's ws transport uses them). */
  pause?(): void;
  resume?(): void;
  // The event parameter is `any` because the DOM and `ws` type their events differently;
  // the transport reads them through WebSocketEventLike.
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: any) => void): void;
}

/** A WebSocket class: the DOM `WebSocket`, or the `ws` package's. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Options for {@link createWebSocketTransport}. */
export interface WebSocketTransportOptions {
  /** Describes the other end (default: the socket's url, or "websocket"). */
  remote?: string;
  /** What a listener knows about the other end (see `Transport.facts`). */
  facts?: ConnectionFacts;
  /** Scheme reported by the transport (default `wss` for a `wss:` remote, else `ws`). */
  scheme?: string;
  /**
   * Told about protocol problems that do not close the connection: a text
   * frame (dropped; the protocol is binary only). Default: the handlers'
   * `onWarning` (a message link's: the peer's logger), else `console.warn`.
   */
  onProtocolError?: (error: SparrowError) => void;
}

/** Options for {@link connectWebSocket}. */
export interface ConnectWebSocketOptions extends ConnectOptions, WebSocketTransportOptions {
  /** The WebSocket class to use (default `globalThis.WebSocket`; on Node 20 pass `ws`'s). */
  WebSocket?: WebSocketConstructor;
}

/** Told once how the connection attempt ended: undefined when the socket opened, else why it closed first. */
export type Opened = (error?: unknown) => void;

/**
 * One open socket as a Transport. It listens from the moment it is made, so
 * the same error and close listeners serve the connection attempt (`opened`)
 * and the connection; no listener is ever removed (the socket is done once
 * it closes, and `ws` throws on an 'error' event nobody listens to).
 */
export class WebSocketTransport implements Transport {
  // The fields the constructor sets are `declare`d: a declaration is code in every page's bundle (ES2022 class fields).
  declare readonly scheme: string;
  declare readonly remote: string;
  declare readonly facts: ConnectionFacts | undefined;
  /** Every message is a fresh array (the DOM's ArrayBuffer, ws's Buffer): the receiver may keep views. */
  readonly freshChunks = true;
  readonly #socket: WebSocketLike;
  /** Told about dropped text frames (WebSocketTransportOptions.onProtocolError). */
  readonly #onProtocolError: ((error: SparrowError) => void) | undefined;
  #handlers: TransportHandlers | undefined;
  /** Messages that arrived before `start`, as they came (a text frame is reported to the handlers too). */
  #early: unknown[] = [];
  /** This side asked to close: the end is clean whatever the close code. */
  #closing = false;
  #finished = false;
  #closeError: Error | undefined;
  #lastError: unknown;

  constructor(socket: WebSocketLike, remote: string, options: WebSocketTransportOptions, opened?: Opened) {
    this.#socket = socket;
    this.remote = remote;
    this.#onProtocolError = options.onProtocolError;
    this.scheme = options.scheme ?? (remote.startsWith('wss:') ? 'wss' : 'ws');
    this.facts = options.facts;
    // Browsers default to Blob, which is read asynchronously and could reorder chains.
    if (socket.binaryType !== 'nodebuffer') socket.binaryType = 'arraybuffer';
    socket.addEventListener('message', (event: WebSocketEventLike) => {
      // Nothing after this side's close (no message follows the close event).
      if (this.#closing) return;
      if (this.#handlers === undefined) this.#early.push(event.data);
      else this.#receive(event.data, this.#handlers);
    });
    socket.addEventListener('error', (event: WebSocketEventLike) => {
      this.#lastError ??= event.error ?? event.message ?? event;
    });
    socket.addEventListener('close', (event: WebSocketEventLike) => {
      const error = this.#lastError;
      // Ignored once the attempt is settled (guardConnect keeps the first outcome).
      opened?.(error instanceof Error ? error : new Error(`WebSocket closed before it opened (code ${event.code})`));
      const code = event.code ?? 1005;
      // 1000, 1001 and 1005 mean the other side closed on purpose (close codes start at 1000).
      this.end(
        code < 1002 || code === 1005
          ? undefined
          : new SparrowError(ErrorCode.ConnectionClosed, `WebSocket to ${remote} closed abnormally (code ${code})${error instanceof Error ? `: ${error.message}` : ''}`, { cause: error }),
      );
    });
    socket.addEventListener('open', () => opened?.());
  }

  start(handlers: TransportHandlers): void {
    if (this.#handlers !== undefined) throw new SparrowError(ErrorCode.InvalidState, 'transport already started');
    this.#handlers = handlers;
    for (const data of this.#early.splice(0)) this.#receive(data, handlers);
    this.#report();
  }

  /**
   * Sends one chain as one message: the pieces joined (a copy, as a DOM
   * message is one buffer). Node's ws transport (node/ws.ts) corks first and
   * sends a large chain's pieces as fragments instead.
   */
  send(pieces: ChainBytes): void {
    const socket = this.#socket;
    // Closing or closed (after this side's close() too): the bytes are dropped, the close event reports it.
    if (socket.readyState !== OPEN) return;
    try {
      const chain = joinChain(pieces);
      // The DOM's send takes ArrayBuffer-backed views only; a shared buffer is copied.
      socket.send(chain.buffer instanceof ArrayBuffer ? (chain as Uint8Array<ArrayBuffer>) : chain.slice());
    } catch (error) {
      // A send racing the socket's own closure: the close event reports it.
      this.#lastError ??= error;
    }
  }

  get bufferedAmount(): number {
    return this.#finished ? 0 : this.#socket.bufferedAmount;
  }

  // No `drained`: browsers have no drain event, so a writer that waits polls `bufferedAmount` (whenDrained, pollDrained).

  close(reason?: CloseReason): void {
    // (After the close event this only marks the end clean, which it already is reported as.)
    if (this.#closing) return;
    this.#closing = true;
    this.closeSocket(this.#socket, reason);
  }

  /**
   * Closes the socket with 1000 whatever the reason: the DOM takes no other
   * code below 3000 (it throws on 1002, 1008, 1009). Node's ws transport
   * sends the reason's code and text (node/ws.ts).
   */
  closeSocket(socket: WebSocketLike, _reason?: CloseReason): void {
    socket.close(1000);
  }

  /** The socket closed (cleanly: no error); reported to the handlers once they are there. */
  end(error?: Error): void {
    if (this.#finished) return;
    this.#finished = true;
    // A close we asked for is clean even if the closing handshake was cut short.
    this.#closeError = this.#closing ? undefined : error;
    this.#report();
  }

  /** Runs at most once: `end` runs once and `start` throws when called again. */
  #report(): void {
    if (this.#finished) this.#handlers?.onClose(this.#closeError);
  }

  #receive(data: unknown, handlers: TransportHandlers): void {
    // `binaryType` is `arraybuffer` unless it is `ws`'s `nodebuffer`, so a message is never a Blob or `ws`'s fragments list.
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : undefined;
    if (bytes === undefined) {
      // The reference sends binary frames only; a text frame is dropped, never fatal (PROTOCOL.md §2).
      (this.#onProtocolError ?? handlers.onWarning ?? ((error) => console.warn(`sparrow: ${error.message}`)))(new SparrowError(ErrorCode.ProtocolError, `WebSocket text message from ${this.remote} dropped: chains travel in binary frames only`));
    } else handlers.onData(bytes);
  }
}

/**
 * A transport over a socket the caller made, which may still be connecting:
 * chains sent meanwhile wait for it to open (only createWebSocketTransport
 * makes one; the connectors hand out open sockets).
 */
class CallerWebSocketTransport extends WebSocketTransport {
  readonly #socket: WebSocketLike;
  #queued: ChainBytes[] = [];
  #queuedBytes = 0;

  constructor(socket: WebSocketLike, options: WebSocketTransportOptions) {
    const url = (socket as { url?: unknown }).url;
    super(socket, options.remote ?? (typeof url === 'string' && url !== '' ? url : 'websocket'), options);
    this.#socket = socket;
    socket.addEventListener('open', () => {
      for (const chain of this.#queued.splice(0)) super.send(chain);
      this.#queuedBytes = 0;
    });
    if (socket.readyState > OPEN) this.end(new SparrowError(ErrorCode.ConnectionClosed, 'WebSocket is already closed'));
  }

  override send(chain: ChainBytes): void {
    if (this.#socket.readyState !== CONNECTING) super.send(chain);
    else {
      // Joined now: the caller may reuse its pieces once send returns.
      this.#queued.push(joinChain(chain));
      this.#queuedBytes += chainLength(chain);
    }
  }

  override get bufferedAmount(): number {
    return super.bufferedAmount + (this.#socket.readyState === CONNECTING ? this.#queuedBytes : 0);
  }
}

/**
 * Wraps an open or connecting WebSocket as a Transport: one chain per binary
 * message. Chains sent while it connects are queued until it opens. A text
 * frame is dropped and reported through `options.onProtocolError`.
 */
export function createWebSocketTransport(socket: WebSocketLike, options: WebSocketTransportOptions = {}): Transport {
  return new CallerWebSocketTransport(socket, options);
}

/**
 * Waits for a WebSocket to open, then wraps it as a Transport. `socket` is
 * the socket, or a function that creates it (called only if the attempt
 * really starts, so an already-aborted signal opens nothing). Gives up after
 * `options.timeoutMs`, or when `options.signal` fires, closing the socket.
 * Rejects with `connection-failed` (with the cause) or `aborted`.
 */
export function openWebSocketTransport(
  socket: WebSocketLike | (() => WebSocketLike),
  target: string,
  options: ConnectOptions & WebSocketTransportOptions = {},
): Promise<Transport> {
  if (typeof socket === 'function') return openSocket(socket, target, options);
  if (options.signal?.aborted) closeQuietly(socket);
  // An open socket has no open event left to wait for (the connectors' sockets are always fresh).
  else if (socket.readyState === OPEN) return Promise.resolve(new WebSocketTransport(socket, options.remote ?? target, options));
  return openSocket(() => socket, target, options);
}

/**
 * openWebSocketTransport for a socket made only if the attempt really
 * starts, wrapped by `Kind` (Node's ws transport passes its own).
 */
export function openSocket(
  create: () => WebSocketLike,
  target: string,
  options: ConnectOptions & WebSocketTransportOptions,
  Kind: new (socket: WebSocketLike, remote: string, options: WebSocketTransportOptions, opened: Opened) => WebSocketTransport = WebSocketTransport,
): Promise<Transport> {
  return guardConnect<Transport>(target, options, (settle) => {
    const socket = create();
    const transport = new Kind(socket, options.remote ?? target, options, (error) => settle(error, transport));
    // The transport's own error listener keeps `ws` from throwing on the error this close may bring.
    return () => {
      try {
        socket.close();
      } catch {
        // Closing a socket that never opened can throw in some implementations.
      }
    };
  });
}

function closeQuietly(socket: WebSocketLike): void {
  socket.addEventListener('error', () => {});
  try {
    socket.close();
  } catch {
    // Closing a socket that never opened can throw in some implementations.
  }
}

/**
 * Connects to a WebSocket listener at `url` (`ws://host:port/` or `wss://…`)
 * with `options.WebSocket`, or the global `WebSocket` (browsers, Node 22+).
 * Rejects with `unsupported` when neither exists, `connection-failed` when
 * the connection cannot be opened or times out, `aborted` on abort.
 */
export async function connectWebSocket(url: string, options: ConnectWebSocketOptions = {}): Promise<Transport> {
  const Constructor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (Constructor === undefined) throw new SparrowError(ErrorCode.Unsupported, 'No WebSocket class: pass options.WebSocket (on Node 20, the ws package)');
  // A constructor that throws (a malformed URL) rejects through the guard as connection-failed.
  return openSocket(() => new Constructor(url), url, options);
}
