/**
 * The one way this side gives up on a connection: a framing error, a
 * breached limit or budget, a missed deadline, a refused connection. Every
 * such close goes through `closeConnection` with a typed reason, so the
 * reason reaches the wire the same way everywhere (the WebSocket close
 * code; a close-reason message to a peer that lists it goes first, from
 * the link's handlers' `onClosing`, see WireMessageLink.giveUp).
 *
 * Browser-safe.
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import type { CloseReason, Transport } from '../transport/transport.ts';

/**
 * Why this side closes a connection (closed set). The error code follows
 * the name: `protocol-error`, `timeout` for the `-timeout` deadlines,
 * `limit-exceeded` for the rest.
 */
export type ConnectionCloseCode =
  /** Framing or a chain that is no message: the byte stream cannot be trusted. */
  | 'protocol-error'
  /** A chain, part or message over a receiver limit. */
  | 'too-big'
  /** Unsent output over the hard mark: the peer does not read. */
  | 'slow-consumer'
  /** Too many bytes held by unfinished chains across all connections. */
  | 'global-budget'
  /** No complete chain within the handshake deadline. */
  | 'handshake-timeout'
  /** A started chain did not finish within the partial-chain deadline. */
  | 'partial-chain-timeout'
  /** No bytes and no work in flight for the idle timeout. */
  | 'idle-timeout'
  /** The listener (or the remote address) is at its connection limit. */
  | 'too-many-connections';

/** A close decided by this side: the reason and the error pending operations fail with. */
export interface ConnectionClose {
  code: ConnectionCloseCode;
  /** `protocol-error`, `limit-exceeded` or `timeout`, with a one-line message. */
  error: SparrowError;
}

/** A ConnectionClose for `code` with `message` (error code from the reason). */
export function connectionClose(code: ConnectionCloseCode, message: string): ConnectionClose {
  const errorCode = code === 'protocol-error' ? ErrorCode.ProtocolError : code.endsWith('-timeout') ? ErrorCode.Timeout : ErrorCode.LimitExceeded;
  return { code, error: new SparrowError(errorCode, message) };
}

/**
 * The close for a fatal receive error: `limit-exceeded` is `too-big`,
 * anything else `protocol-error`.
 */
export function closeForError(error: SparrowError): ConnectionClose {
  return { code: error.code === ErrorCode.LimitExceeded ? 'too-big' : 'protocol-error', error };
}

/**
 * Closes `transport` for `close`. A slow consumer is cut without flushing
 * what it did not read.
 */
export function closeConnection(transport: Transport, close: ConnectionClose): void {
  // The transport tells a protocol error and a too-big message apart (WebSocket 1002, 1009); every other reason is policy (1008).
  const code = close.code;
  const kind: CloseReason['kind'] = code === 'protocol-error' || code === 'too-big' ? code : 'policy';
  transport.close({ kind, message: `${code}: ${close.error.message}`, abort: code === 'slow-consumer' });
}
