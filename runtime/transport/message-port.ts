/**
 * MessagePort transport: one chain per message over anything that posts
 * structured-clone messages — Node's `worker_threads` `MessagePort`,
 * `Worker` and `parentPort`, and the browser's `MessagePort`, `Worker`,
 * `DedicatedWorkerGlobalScope` and `SharedWorker#port`. Browser-safe: typed
 * against {@link MessagePortLike}, never against Node or DOM types.
 *
 * Besides chains (binary messages) the two ends exchange two control
 * messages, plain objects that can never be mistaken for a chain:
 * `{ sparrow: 'ready' }` (the serving side is listening: see
 * {@link connectMessagePort}) and `{ sparrow: 'close' }` (a clean close).
 * Other messages on a shared port are ignored, so an application may keep
 * using the same port for its own traffic.
 *
 * **Ownership of transferred buffers.** A chain of at least
 * `transferThreshold` bytes is copied once into a fresh buffer that only
 * the transport holds, and that buffer is *transferred* (moved, not
 * cloned): the sender never touches it again (it is detached on the sending
 * side) and the receiver owns it outright. Arrays the application passed in
 * (a `bytes` parameter, a yielded blob) are never transferred: the sender
 * may keep using and changing them as soon as the call returns. Smaller
 * chains are cloned by `postMessage`, which is cheaper than a transfer for
 * them. Either way a received chain is fresh memory, lent to the link like
 * any transport's bytes (docs/runtime.md, "Buffer ownership").
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import { guardConnect } from './connect-guard.ts';
import { HandlerSlot } from './handler-slot.ts';
import { chainLength, joinChain } from '../wire.ts';
import type { ChainBytes, ConnectOptions, Transport, TransportHandlers } from './transport.ts';

/**
 * The part of a port or worker this transport uses. Node's `MessagePort`
 * and `Worker` (event emitters: `on`/`off`, the listener gets the message
 * itself) and the DOM's `MessagePort` and `Worker` (`addEventListener`, the
 * listener gets a `MessageEvent`) all fit.
 */
export interface MessagePortLike {
  postMessage(message: unknown, transfer?: any[]): void;
  // `any` events: Node and the DOM type their listeners differently; the transport reads them itself.
  on?(type: string, listener: (...args: any[]) => void): unknown;
  off?(type: string, listener: (...args: any[]) => void): unknown;
  addEventListener?(type: string, listener: (event: any) => void): void;
  removeEventListener?(type: string, listener: (event: any) => void): void;
  /** DOM `MessagePort`: messages flow only after `start()` when listening with addEventListener. */
  start?(): void;
  /** A port's close (a worker has `terminate` instead; the transport never calls that). */
  close?(): void;
}

/** Options of {@link createMessagePortTransport}. */
export interface MessagePortTransportOptions {
  /** Scheme reported by the transport (default `message-port`). */
  scheme?: string;
  /** Describes the other end (default `message-port`). */
  remote?: string;
  /** Chains of at least this many bytes are transferred, smaller ones cloned (default 16 KiB). */
  transferThreshold?: number;
}

/** Options of {@link connectMessagePort}: the transport's plus the connect timeout and signal. */
export interface ConnectMessagePortOptions extends MessagePortTransportOptions, ConnectOptions {}

/** Default `transferThreshold`: below it, cloning beats transferring. */
export const DEFAULT_TRANSFER_THRESHOLD = 16_384; // 16 KiB (a literal: a bundler keeps a product it cannot prove pure, even unused)

const READY = { sparrow: 'ready' } as const;
const CLOSE = { sparrow: 'close' } as const;

/** The control message `data` is, if any. */
function controlOf(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null || ArrayBuffer.isView(data)) return undefined;
  const kind = (data as { sparrow?: unknown }).sparrow;
  return typeof kind === 'string' ? kind : undefined;
}

/** The bytes of a binary message, or undefined when it is not binary. */
function bytesOf(data: unknown): Uint8Array | undefined {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

/** The reason a worker's `error` event carries (Node: the Error; DOM: an ErrorEvent). */
function describeFailure(event: unknown): { message: string; cause: unknown } {
  if (event instanceof Error) return { message: event.message, cause: event };
  const dom = event as { message?: unknown; error?: unknown } | null;
  if (dom !== null && typeof dom === 'object') {
    const cause = dom.error ?? event;
    const message = typeof dom.message === 'string' ? dom.message : cause instanceof Error ? cause.message : 'error';
    return { message, cause };
  }
  return { message: String(event), cause: event };
}

class MessagePortTransport implements Transport {
  readonly scheme: string;
  readonly remote: string;
  /** Every message arrives as fresh memory (cloned or transferred). */
  readonly freshChunks = true;
  readonly #port: MessagePortLike;
  readonly #transferThreshold: number;
  readonly #slot = new HandlerSlot();
  #finished = false;
  #closeError: Error | undefined;
  #ready = false;
  #onReady: ((error?: Error) => void) | undefined;
  #unsubscribe: (() => void)[] = [];

  constructor(port: MessagePortLike, options: MessagePortTransportOptions) {
    this.#port = port;
    this.scheme = options.scheme ?? 'message-port';
    this.remote = options.remote ?? 'message-port';
    this.#transferThreshold = options.transferThreshold ?? DEFAULT_TRANSFER_THRESHOLD;
    const emitter = typeof port.on === 'function';
    this.#listen('message', (event: unknown) => this.#receive(emitter ? event : (event as { data?: unknown }).data));
    this.#listen('messageerror', (event: unknown) => {
      // A chain that cannot be read leaves the protocol without a frame boundary: nothing later can be trusted.
      this.#finish(new SparrowError(ErrorCode.ConnectionClosed, `${this.remote}: a message could not be deserialised`, { cause: event }));
    });
    this.#listen('error', (event: unknown) => {
      const { message, cause } = describeFailure(event);
      this.#finish(new SparrowError(ErrorCode.ConnectionClosed, `${this.remote} failed: ${message}`, { cause }));
    });
    this.#listen('exit', (code: unknown) => {
      this.#finish(new SparrowError(ErrorCode.ConnectionClosed, `${this.remote} exited with code ${String(code)}`));
    });
    // Node's MessagePort: the other end closed its port (or its thread ended).
    this.#listen('close', () => this.#finish(new SparrowError(ErrorCode.ConnectionClosed, `${this.remote} closed its port`)));
    port.start?.();
  }

  #listen(type: string, listener: (event: unknown) => void): void {
    const port = this.#port;
    if (typeof port.on === 'function') {
      port.on(type, listener);
      this.#unsubscribe.push(() => port.off?.(type, listener));
    } else if (typeof port.addEventListener === 'function') {
      port.addEventListener(type, listener);
      this.#unsubscribe.push(() => port.removeEventListener?.(type, listener));
    } else {
      throw new SparrowError(ErrorCode.InvalidParams, 'a MessagePortLike needs on/off or addEventListener');
    }
  }

  /** Tells the other side this side listens (the serving side, once). */
  announceReady(): void {
    this.#post(READY);
  }

  /** Calls `settle` once: when the other side announced itself, or with the error that ended the transport first. */
  whenReady(settle: (error?: Error) => void): void {
    if (this.#ready) settle();
    else if (this.#finished) settle(this.#closeError ?? new SparrowError(ErrorCode.ConnectionClosed, `${this.remote} closed`));
    else this.#onReady = settle;
  }

  start(handlers: TransportHandlers): void {
    this.#slot.start(handlers);
  }

  send(chain: ChainBytes): void {
    if (this.#finished) return;
    if (chainLength(chain) >= this.#transferThreshold) {
      // Our own copy, so transferring it can never detach memory the application still holds.
      const out = chain instanceof Uint8Array ? chain.slice() : joinChain(chain);
      this.#post(out, [out.buffer as ArrayBuffer]);
    } else {
      // Cloned by postMessage, which clones a view's whole ArrayBuffer: a view into a larger
      // buffer (the encoder's slab) is cut to its own bytes first.
      const bytes = joinChain(chain);
      this.#post(bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice());
    }
  }

  get bufferedAmount(): number {
    return 0;
  }

  drained(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {
    if (this.#finished) return;
    this.#post(CLOSE);
    this.#finish(undefined);
    this.#port.close?.();
  }

  #post(message: unknown, transfer?: ArrayBuffer[]): void {
    try {
      if (transfer === undefined) this.#port.postMessage(message);
      else this.#port.postMessage(message, transfer);
    } catch (error) {
      this.#finish(new SparrowError(ErrorCode.ConnectionClosed, `${this.remote}: cannot post a message: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
    }
  }

  #receive(data: unknown): void {
    if (this.#finished) return;
    const bytes = bytesOf(data);
    if (bytes !== undefined) {
      this.#slot.data(bytes);
      return;
    }
    const kind = controlOf(data);
    if (kind === 'close') this.#finish(undefined);
    else if (kind === 'ready' && !this.#ready) {
      this.#ready = true;
      const settle = this.#onReady;
      this.#onReady = undefined;
      settle?.();
    }
  }

  #finish(error: Error | undefined): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#closeError = error;
    // Unsubscribing lets a worker's event loop end once its port has no listener.
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    const settle = this.#onReady;
    this.#onReady = undefined;
    settle?.(error ?? new SparrowError(ErrorCode.ConnectionClosed, `${this.remote} closed before it was ready`));
    this.#slot.close(error);
  }
}

/**
 * The serving side: a transport over `port` that tells the other side it
 * is listening (what {@link connectMessagePort} waits for). Use it in the
 * worker, on `parentPort` (Node) or `self` (a browser worker).
 * @throws SparrowError `invalid-params` when `port` has neither `on` nor `addEventListener`.
 */
export function acceptMessagePort(port: MessagePortLike, options: MessagePortTransportOptions = {}): Transport {
  const transport = new MessagePortTransport(port, options);
  transport.announceReady();
  return transport;
}

/**
 * The connecting side: listens on `port` (a worker, or a port whose other
 * end runs {@link acceptMessagePort}) and resolves once the other side says
 * it is listening. Chains the other side sends meanwhile are kept.
 *
 * Rejects with `connection-failed` when the other side fails, exits or
 * does not announce itself within `timeoutMs` (default 10 000), `aborted`
 * when the signal fires. The port is left open on failure (a worker is the
 * caller's to terminate). The transport stops listening once it has closed:
 * keep an `error` listener of your own on a Node `Worker`, or a later
 * failure of the thread is thrown in yours (`spawnWorkerPeer` does).
 */
export function connectMessagePort(port: MessagePortLike, options: ConnectMessagePortOptions = {}): Promise<Transport> {
  const transportOptions: MessagePortTransportOptions = {};
  if (options.scheme !== undefined) transportOptions.scheme = options.scheme;
  if (options.remote !== undefined) transportOptions.remote = options.remote;
  if (options.transferThreshold !== undefined) transportOptions.transferThreshold = options.transferThreshold;
  return guardConnect<Transport>(options.remote ?? 'message-port', options, (settle) => {
    const transport = new MessagePortTransport(port, transportOptions);
    transport.whenReady((error) => {
      if (error === undefined) settle(undefined, transport);
      else settle(new SparrowError(ErrorCode.ConnectionFailed, `${transport.remote} failed before it was ready: ${error.message}`, { cause: error }));
    });
    return () => transport.close();
  });
}
