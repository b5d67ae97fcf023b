/**
 * The handlers of a message transport, set once by `start`, with what
 * arrived before: chains received and the close, replayed in order when
 * `start` comes. Browser-safe.
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import type { TransportHandlers } from './transport.ts';

/** Holds a transport's handlers and what came before them. */
export class HandlerSlot {
  #handlers: TransportHandlers | undefined;
  #early: Uint8Array[] = [];
  #closed = false;
  #closeError: Error | undefined;

  /**
   * Installs the handlers and replays what came before.
   * @throws SparrowError `invalid-state` when called twice.
   */
  start(handlers: TransportHandlers): void {
    if (this.#handlers !== undefined) throw new SparrowError(ErrorCode.InvalidState, 'transport already started');
    this.#handlers = handlers;
    for (const bytes of this.#early.splice(0)) handlers.onData(bytes);
    if (this.#closed) handlers.onClose(this.#closeError);
  }

  /** Delivers `bytes` (lent for the call), or keeps a copy of them until `start`. */
  data(bytes: Uint8Array): void {
    if (this.#handlers !== undefined) this.#handlers.onData(bytes);
    else this.#early.push(bytes.slice());
  }

  /** Reports the close (once; later calls are ignored). */
  close(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeError = error;
    this.#handlers?.onClose(error);
  }
}
