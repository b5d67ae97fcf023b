/**
 * WebSocket transport (PROTOCOL.md §2): exactly one chain per binary
 * message, in both directions. Browser-safe: it runs over anything shaped
 * like a WebSocket — the browser's global `WebSocket`, or the `ws` package's
 * class on Node (the Node entry passes that in; this file never imports it).
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import { guardConnect } from './connect-guard.ts';
import { joinChain } from '../wire.ts';
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
  /** `ws` only: stop and restart reading (backpressure). */
  pause?(): void;
  resume?(): void;
  // The event parameters are `any` because the DOM and `ws` type their events differently;
  // the transport reads them through WebSocketEventLike.
  addEventListener?(type: 'open' | 'message' | 'close' | 'error', listener: (event: any) => void): void;
  onopen?: ((event: any) => void) | null;
  onmessage?: ((event: any) => void) | null;
  onclose?: ((event: any) => void) | null;
  onerror?: ((event: any) => void) | null;
}

/** A WebSocket class: the DOM `WebSocket`, or the `ws` package's. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Options for {@link createWebSocketTransport}. */
export interface WebSocketTransportOptions {
  /** Describes the other end (default: the socket's url, or "websocket"). */
  remote?: string;
  /** What a listener knows about the other end (see `Transport.facts`). */
  facts?: ConnectionFacts;
  /** Scheme reported by the transport (default `ws`). */
  scheme?: string;
  /**
   * Told about protocol problems that do not close the connection: a text
   * frame (dropped; the protocol is binary only). Default: `console.warn`.
   */
  onProtocolError?: (error: SparrowError) => void;
  /**
   * Called before each message is handed to the socket. The Node transport
   * corks the underlying TCP socket here, so the messages of one tick leave
   * in a few writes instead of one each.
   */
  beforeSend?: () => void;
  /**
   * Sends a chain given in pieces without joining them, or returns false to
   * leave it to the transport (which joins them: a DOM message is one
   * buffer). Node's ws transport passes one (the `ws` package can send a
   * message in fragments).
   */
  sendPieces?: (socket: WebSocketLike, pieces: readonly Uint8Array[]) => boolean;
}

/** Options for {@link connectWebSocket}. */
export interface ConnectWebSocketOptions extends ConnectOptions, WebSocketTransportOptions {
  /** The WebSocket class to use (default `globalThis.WebSocket`; on Node 20 pass `ws`'s). */
  WebSocket?: WebSocketConstructor;
}

/** Close codes that mean the other side closed on purpose. */
const CLEAN_CLOSE_CODES = new Set([1000, 1001, 1005]);

type Listener = (event: WebSocketEventLike) => void;

function on(socket: WebSocketLike, type: 'open' | 'message' | 'close' | 'error', listener: Listener): () => void {
  const target = socket as unknown as {
    addEventListener?: (type: string, listener: Listener) => void;
    removeEventListener?: (type: string, listener: Listener) => void;
  } & Record<string, unknown>;
  if (typeof target.addEventListener === 'function') {
    target.addEventListener(type, listener);
    return () => target.removeEventListener?.(type, listener);
  }
  // Minimal sockets with only on* properties: chain any handler already there.
  const property = `on${type}`;
  const previous = target[property] as Listener | null | undefined;
  target[property] = (event: WebSocketEventLike) => {
    previous?.(event);
    listener(event);
  };
  return () => {
    target[property] = previous ?? null;
  };
}

/**
 * The bytes of a binary message, or undefined when it is not binary. The
 * transport sets `binaryType` to `arraybuffer` unless it is `ws`'s
 * `nodebuffer`, so a message is never a Blob or `ws`'s fragments list.
 */
function binaryOf(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

/** WebSocket close codes (RFC 6455 §7.4.1) for why this side closes. */
const CLOSE_CODES: Readonly<Record<CloseReason['kind'], number>> = { 'protocol-error': 1002, 'too-big': 1009, policy: 1008 };

/** A close frame's reason is at most 123 bytes of UTF-8. */
function closeText(message: string): string {
  let text = message.length > 123 ? message.slice(0, 123) : message;
  while (new TextEncoder().encode(text).length > 123) text = text.slice(0, -1);
  return text;
}

class WebSocketTransport implements Transport {
  readonly scheme: string;
  readonly remote: string;
  readonly facts: ConnectionFacts | undefined;
  /** Every message is a fresh array (the DOM's ArrayBuffer, ws's Buffer). */
  readonly freshChunks = true;
  readonly #socket: WebSocketLike;
  readonly #onProtocolError: (error: SparrowError) => void;
  readonly #beforeSend: (() => void) | undefined;
  readonly #sendPieces: WebSocketTransportOptions['sendPieces'];
  #handlers: TransportHandlers | undefined;
  #early: Uint8Array[] = [];
  /** Chains sent while the socket was still connecting. */
  #queued: Uint8Array[] = [];
  #queuedBytes = 0;
  #closing = false;
  #finished = false;
  #closeError: Error | undefined;
  #lastError: unknown;
  #unsubscribe: (() => void)[] = [];

  constructor(socket: WebSocketLike, options: WebSocketTransportOptions) {
    this.#socket = socket;
    this.scheme = options.scheme ?? 'ws';
    const url = (socket as { url?: unknown }).url;
    this.remote = options.remote ?? (typeof url === 'string' && url !== '' ? url : 'websocket');
    this.facts = options.facts;
    this.#onProtocolError = options.onProtocolError ?? ((error) => console.warn(`sparrow: ${error.message}`));
    this.#beforeSend = options.beforeSend;
    this.#sendPieces = options.sendPieces;
    // Browsers default to Blob, which is read asynchronously and could reorder chains.
    if (socket.binaryType !== 'arraybuffer' && socket.binaryType !== 'nodebuffer') socket.binaryType = 'arraybuffer';
    this.#unsubscribe.push(
      on(socket, 'open', () => this.#flushQueued()),
      on(socket, 'message', (event) => this.#receive(event.data)),
      on(socket, 'error', (event) => {
        this.#lastError ??= event.error ?? event.message ?? event;
      }),
      on(socket, 'close', (event) => this.#onSocketClose(event)),
    );
    if (socket.readyState > OPEN) this.#finish(new SparrowError(ErrorCode.ConnectionClosed, 'WebSocket is already closed'));
  }

  start(handlers: TransportHandlers): void {
    if (this.#handlers !== undefined) throw new SparrowError(ErrorCode.InvalidState, 'transport already started');
    this.#handlers = handlers;
    // Every message is a fresh array (the DOM's ArrayBuffer, ws's Buffer): the receiver may keep views.
    for (const bytes of this.#early.splice(0)) handlers.onData(bytes);
    if (this.#finished) this.#reportClose();
  }

  send(pieces: ChainBytes): void {
    if (this.#closing || this.#finished) return;
    if (this.#sendPieces !== undefined && !(pieces instanceof Uint8Array) && this.#socket.readyState === OPEN) {
      try {
        if (this.#sendPieces(this.#socket, pieces)) return;
      } catch (error) {
        this.#lastError ??= error;
        return;
      }
    }
    // One message per chain: pieces are joined (a copy, as a DOM message needs one buffer).
    const chain = joinChain(pieces);
    const state = this.#socket.readyState;
    if (state === CONNECTING) {
      this.#queued.push(chain);
      this.#queuedBytes += chain.length;
    } else if (state === OPEN) {
      this.#sendNow(chain);
    }
  }

  get bufferedAmount(): number {
    if (this.#finished) return 0;
    return this.#queuedBytes + this.#socket.bufferedAmount;
  }

  drained(): Promise<void> {
    if (this.bufferedAmount === 0) return Promise.resolve();
    // Browsers have no drain event: poll, backing off, until the socket's buffer is empty.
    return new Promise((resolve) => {
      let delay = 1;
      const check = (): void => {
        if (this.bufferedAmount === 0) {
          resolve();
          return;
        }
        delay = Math.min(delay * 2, 50);
        setTimeout(check, delay);
      };
      setTimeout(check, delay);
    });
  }

  close(reason?: CloseReason): void {
    if (this.#closing || this.#finished) return;
    this.#closing = true;
    this.#queued = [];
    this.#queuedBytes = 0;
    try {
      if (reason === undefined) this.#socket.close(1000);
      else this.#socket.close(CLOSE_CODES[reason.kind], closeText(reason.message));
    } catch {
      // A socket that is already going away may throw; the close event still follows.
    }
  }

  pause(): void {
    this.#socket.pause?.();
  }

  resume(): void {
    if (!this.#closing && !this.#finished) this.#socket.resume?.();
  }

  #sendNow(chain: Uint8Array): void {
    try {
      this.#beforeSend?.();
      // The DOM's send takes ArrayBuffer-backed views only; a shared buffer is copied.
      this.#socket.send(chain.buffer instanceof ArrayBuffer ? (chain as Uint8Array<ArrayBuffer>) : chain.slice());
    } catch (error) {
      // A send racing the socket's own closure: the close event reports it.
      this.#lastError ??= error;
    }
  }

  #flushQueued(): void {
    const queued = this.#queued;
    this.#queued = [];
    this.#queuedBytes = 0;
    for (const chain of queued) this.#sendNow(chain);
  }

  #receive(data: unknown): void {
    if (this.#closing || this.#finished) return;
    const bytes = binaryOf(data);
    if (bytes === undefined) {
      const kind = typeof data === 'string' ? 'text frame' : 'non-binary message';
      // The reference sends binary frames only; a text frame is dropped, never fatal (PROTOCOL.md §2).
      this.#onProtocolError(new SparrowError(ErrorCode.ProtocolError, `Dropped a WebSocket ${kind} from ${this.remote}: chains travel in binary frames only`));
      return;
    }
    if (this.#handlers === undefined) this.#early.push(bytes);
    else this.#handlers.onData(bytes);
  }

  #onSocketClose(event: WebSocketEventLike): void {
    const code = event.code ?? 1005;
    if (CLEAN_CLOSE_CODES.has(code)) {
      this.#finish(undefined);
      return;
    }
    const detail = this.#lastError instanceof Error ? `: ${this.#lastError.message}` : '';
    this.#finish(
      new SparrowError(ErrorCode.ConnectionClosed, `WebSocket to ${this.remote} closed abnormally (code ${code})${detail}`, {
        cause: this.#lastError,
      }),
    );
  }

  #finish(error: Error | undefined): void {
    if (this.#finished) return;
    this.#finished = true;
    // A close we asked for is clean even if the closing handshake was cut short.
    this.#closeError = this.#closing ? undefined : error;
    this.#queued = [];
    this.#queuedBytes = 0;
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    // Keep an error listener: `ws` throws on an 'error' event nobody listens to.
    on(this.#socket, 'error', () => {});
    if (this.#handlers !== undefined) this.#reportClose();
  }

  #reportClose(): void {
    const handlers = this.#handlers;
    if (handlers === undefined) return;
    this.#handlers = { onData: () => {}, onClose: () => {} };
    if (this.#closeError === undefined) handlers.onClose();
    else handlers.onClose(this.#closeError);
  }
}

/**
 * Wraps an open or connecting WebSocket as a Transport: one chain per binary
 * message. Chains sent while it connects are queued until it opens. A text
 * frame is dropped and reported through `options.onProtocolError`.
 */
export function createWebSocketTransport(socket: WebSocketLike, options: WebSocketTransportOptions = {}): Transport {
  return new WebSocketTransport(socket, options);
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
  if (options.signal?.aborted && typeof socket !== 'function') closeQuietly(socket);
  return guardConnect<Transport>(target, options, (settle) => {
    const ws = typeof socket === 'function' ? socket() : socket;
    let error: unknown;
    const unsubscribe = [
      on(ws, 'error', (event) => {
        error ??= event.error ?? event.message ?? event;
      }),
      on(ws, 'close', (event) => {
        const reason = error instanceof Error ? error : new Error(`WebSocket closed before it opened (code ${event.code ?? 'unknown'})`);
        done();
        settle(reason);
      }),
      on(ws, 'open', () => {
        done();
        settle(undefined, new WebSocketTransport(ws, { remote: target, ...options }));
      }),
    ];
    const done = (): void => {
      for (const off of unsubscribe.splice(0)) off();
      // `ws` throws on an 'error' event nobody listens to, and one may still come after we stop caring.
      on(ws, 'error', () => {});
    };
    if (ws.readyState === OPEN) {
      done();
      settle(undefined, new WebSocketTransport(ws, { remote: target, ...options }));
    }
    return () => {
      done();
      closeQuietly(ws);
    };
  });
}

function closeQuietly(socket: WebSocketLike): void {
  on(socket, 'error', () => {});
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
export function connectWebSocket(url: string, options: ConnectWebSocketOptions = {}): Promise<Transport> {
  const Constructor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (Constructor === undefined) {
    return Promise.reject(new SparrowError(ErrorCode.Unsupported, 'No WebSocket class: pass options.WebSocket (on Node 20, the ws package)'));
  }
  const scheme = url.startsWith('wss:') ? 'wss' : 'ws';
  // A constructor that throws (a malformed URL) rejects through the guard as connection-failed.
  return openWebSocketTransport(() => new Constructor(url), url, { scheme, ...options });
}
