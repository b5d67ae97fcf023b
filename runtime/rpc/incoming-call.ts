/**
 * One request or notification this side is handling: the handler's context
 * and the state the peer needs to answer it (or to stop answering it).
 */
import type { MessageId, WireFormat } from '../envelope/message.ts';
import type { SparrowError } from '../errors.ts';
import type { Peer } from './peer.ts';
import type { CallbackStyle, CallContext } from './registry.ts';

export class IncomingCall implements CallContext {
  readonly peer: Peer;
  readonly target: string;
  readonly namespace: string;
  readonly id: MessageId | undefined;
  readonly format: WireFormat;
  readonly callerIdentity: unknown;
  /** `rq`: answer without a result part (§7.4). */
  readonly quiet: boolean;
  readonly callbackStyles: Readonly<Record<string, CallbackStyle>> | undefined;
  /** The handler finished: callback proxies and iterable params now fail with invalid-state. */
  ended = false;
  /**
   * Nothing more may be sent for this call: it was cancelled by the caller,
   * the connection closed, or (silent requests) it was answered on delivery.
   */
  silenced = false;
  /**
   * Flow control of a multipart answer (`#sys.credit`): parts that may still
   * be sent, or -1 when the caller did not ask for flow control.
   */
  credit = -1;
  /** The caller asked for batched parts (`#sys.credit` with `batch: true`, feature `batch`). */
  batch = false;
  /** Set while the multipart sender waits for credit; a grant or an abort wakes it. */
  creditWaiter: (() => void) | undefined = undefined;
  private controller: AbortController | undefined = undefined;
  private abortReason: SparrowError | undefined = undefined;

  constructor(
    peer: Peer,
    target: string,
    namespace: string,
    id: MessageId | undefined,
    format: WireFormat,
    callerIdentity: unknown,
    quiet: boolean,
    callbackStyles: Readonly<Record<string, CallbackStyle>> | undefined,
  ) {
    this.peer = peer;
    this.target = target;
    this.namespace = namespace;
    this.id = id;
    this.format = format;
    this.callerIdentity = callerIdentity;
    this.quiet = quiet;
    this.callbackStyles = callbackStyles;
  }

  // Created on first access: most handlers never look at their signal.
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** Stops the call: aborts the handler's signal and silences its answer. */
  abort(reason: SparrowError): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    this.silenced = true;
    this.controller?.abort(reason);
    this.wake();
  }

  /** Adds credit (a `#sys.credit` grant) and resumes a waiting sender. */
  grant(n: number): void {
    if (this.credit < 0) return;
    this.credit += n;
    this.wake();
  }

  private wake(): void {
    const waiter = this.creditWaiter;
    if (waiter === undefined) return;
    this.creditWaiter = undefined;
    waiter();
  }
}
