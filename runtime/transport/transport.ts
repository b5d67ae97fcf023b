/**
 * The transport contract: a bidirectional byte pipe that carries whole
 * chains (PROTOCOL.md §2). Browser-safe: no Node types here.
 *
 * Stream transports (tcp, unix, tls, stdio) write chains back to back and
 * may deliver incoming bytes in any chunking; message transports (ws, wss)
 * send exactly one chain per binary message. Either way the receiving side
 * feeds every chunk to one incremental chain decoder.
 */

import type { SparrowError } from '../errors.ts';
import type { ChainBytes, ConnectionFacts } from '../wire.ts';

export type { ChainBytes, ConnectionFacts } from '../wire.ts';

/** Handlers a transport calls; set once, before any data can arrive. */
export interface TransportHandlers {
  /**
   * Incoming bytes, in arrival order, lent for the call only: the transport
   * may reuse the memory once it returns, so the receiver copies what it
   * keeps (docs/runtime.md, "Buffer ownership").
   */
  onData(bytes: Uint8Array): void;
  /** The transport closed (cleanly: no error) or broke (with the error). Called exactly once. */
  onClose(error?: Error): void;
  /**
   * Optional: memory the receiver is about to fill anyway (the rest of a
   * large part being assembled), or undefined. A transport that can choose
   * where it reads may read the next bytes straight into it and pass
   * `onData` a view of exactly what it read there; the receiver then takes
   * them without copying. Asked before each read; the memory stays the
   * receiver's (the transport keeps no reference once the read is passed on).
   */
  receiveBuffer?(): Uint8Array | undefined;
  /**
   * Optional: told about something the transport dropped without closing
   * (a WebSocket text frame), when it was given no reporter of its own. A
   * message link reports it as a dropped message (`onProtocolError`, not
   * fatal), so the peer logs it with its logger.
   */
  onWarning?(warning: SparrowError): void;
}

/** One open connection. */
export interface Transport {
  /** URL scheme: tcp, unix, ws, wss, tls, stdio, memory, worker, message-port. */
  readonly scheme: string;
  /** Human-readable description of the other end, for logs and errors. */
  readonly remote: string;
  /** Accepted connections: what the transport knows about the other end (address, client certificate, upgrade request). */
  readonly facts?: ConnectionFacts | undefined;
  /**
   * True when every chunk this transport hands to `onData` is memory that
   * nothing reuses or changes afterwards (one received message each: a
   * WebSocket's, a MessagePort's). The framing then keeps a large part as a
   * view of its chunk instead of copying it (docs/runtime.md, "Buffer
   * ownership"). Default false: chunks are lent.
   */
  readonly freshChunks?: boolean;
  /**
   * Installs the handlers. Data arriving before this call is buffered and
   * delivered when it is made.
   */
  start(handlers: TransportHandlers): void;
  /**
   * Queues one complete chain for sending, whole or in pieces. Chains sent
   * within the same tick may be coalesced into one socket write (stream
   * transports, which hand large pieces to the socket as they are: no copy,
   * so the caller must not change them afterwards); message transports join
   * the pieces and send one message per chain. Never throws for a closed
   * transport: the bytes are dropped and onClose reports the closure.
   */
  send(chain: ChainBytes): void;
  /** Bytes queued but not yet handed to the operating system. */
  readonly bufferedAmount: number;
  /**
   * Resolves when the send queue has drained (at once if it is empty or the
   * transport is closed). Optional: a transport with no drain signal (the
   * browser's WebSocket) leaves it out, and writers poll `bufferedAmount`
   * instead (`whenDrained`, wire.ts).
   */
  drained?(): Promise<void>;
  /**
   * Closes the connection. Idempotent; onClose follows. `reason`, when this
   * side gives up on the peer, is carried where the transport can (the
   * WebSocket close code); see CloseReason.
   */
  close(reason?: CloseReason): void;
  /** Optional: stop reading incoming bytes until `resume` (backpressure; the OS buffers meanwhile). */
  pause?(): void;
  /** Optional: read again after `pause`. */
  resume?(): void;
}

/**
 * Why this side closes a connection. On WebSocket `kind` picks the close
 * code: `protocol-error` 1002, `too-big` 1009, `policy` 1008 (a deadline, a
 * connection limit, a slow consumer). Byte-stream transports have no place
 * for it; the peer is just closed.
 */
export interface CloseReason {
  kind: 'protocol-error' | 'too-big' | 'policy';
  /** Short text for the close frame (cut to 123 bytes). */
  message: string;
  /** Drop what is still queued instead of flushing it first (a consumer that does not read). */
  abort?: boolean;
}

/** A listening endpoint. */
export interface Listener {
  /** The URL the listener is reachable at (with the real port when 0 was asked). */
  readonly url: string;
  /** Stops accepting and closes every connection it accepted. */
  close(): Promise<void>;
}

/** TLS material for tls:// and wss:// (PEM text or bytes). */
export interface TlsOptions {
  ca?: string | Uint8Array;
  cert?: string | Uint8Array;
  key?: string | Uint8Array;
  /** Connector only: verify the server certificate (default true). */
  rejectUnauthorized?: boolean;
}

export interface ConnectOptions {
  tls?: TlsOptions;
  /** Abort connecting. */
  signal?: AbortSignal;
  /** Give up connecting after this many milliseconds (default 10000). */
  timeoutMs?: number;
}

export interface ListenOptions {
  tls?: TlsOptions;
}
