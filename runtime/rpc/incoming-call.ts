/**
 * One request or notification this side is handling: the handler's context
 * and the state the peer needs to answer it (or to stop answering it).
 */
import type { MessageId, WireFormat } from '../envelope/message.ts';
import type { SparrowError } from '../errors.ts';
import type { CallbackStyle, CallContext, Identity, Peer } from './types.ts';

/** Paces a multipart answer (flow control): fed by `#sys.credit` grants, woken when the call stops. */
export interface CallPacer {
  /** Adds credit (a `#sys.credit` grant) and resumes a waiting sender. */
  grant(n: number): void;
  /** The call stopped: a waiting sender resumes (and sees `silenced`). */
  stop(): void;
}

export class IncomingCall implements CallContext {
  readonly peer: Peer;
  readonly target: string;
  readonly namespace: string;
  readonly id: MessageId | undefined;
  readonly format: WireFormat;
  readonly callerIdentity: unknown;
  readonly identity: Identity | undefined;
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
  /** Flow control of a multipart answer, when the caller asked for it (`#sys.credit`). */
  pacer: CallPacer | undefined = undefined;
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
    identity?: Identity,
  ) {
    this.peer = peer;
    this.target = target;
    this.namespace = namespace;
    this.id = id;
    this.format = format;
    this.identity = identity;
    this.callerIdentity = callerIdentity ?? identity;
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
    this.pacer?.stop();
  }
}
