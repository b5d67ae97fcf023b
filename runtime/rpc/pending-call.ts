/**
 * One outgoing request as its caller waits on it (PROTOCOL.md §7.1): the
 * state every kind of request shares (`PendingEntry`: id, deadline, abort
 * signal, ack, locals), and the plain call that one response settles
 * (`PendingCall`). Streams, callback requests and pulls extend the entry;
 * the call table (call-table.ts) owns ids, deadlines and removal.
 *
 * Hot-path note: an entry is one object that is also its abort listener
 * (`handleEvent`), so a call allocates no closure beyond its promise
 * executor.
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import type { ResponseMessage } from '../envelope/message.ts';
import type { CallOptions } from './types.ts';

/**
 * The callee answered a plain call with a multipart response, or a stream
 * call with a single one (code `protocol-error`). `multipart` says which it
 * sent, so tools can tell the caller how to call it without reading the message.
 */
export class ResponseKindError extends SparrowError {
  override readonly name: string = 'ResponseKindError';
  /** True when the callee answered with a multipart response. */
  declare readonly multipart: boolean;

  constructor(target: string, multipart: boolean) {
    super(ErrorCode.ProtocolError, `${target} answered with ${multipart ? 'a multipart response; call it as a stream' : 'one response; call it as a plain call'}`);
    this.multipart = multipart;
  }
}

/** `aborted` for a request to `target` whose signal fired, with the signal's reason as the cause. */
export function abortedError(target: string, signal: AbortSignal): SparrowError {
  return new SparrowError(ErrorCode.Aborted, `${target} was aborted`, { cause: signal.reason });
}

/** Who removes an entry early (the call table). */
export interface CallOwner {
  /**
   * Removes the entry, settles it with `error` (or ends it cleanly when
   * undefined) and tells the remote side with `#sys.cancel` when it
   * supports that.
   */
  cancelEntry(entry: PendingEntry, error: SparrowError | undefined): void;
}

/** What a request keeps for the callee to reach with `c` (callbacks, iterables); released when the request ends. */
export interface CallLocals {
  close(): void;
}

/** State shared by every kind of pending request. */
export abstract class PendingEntry {
  declare readonly owner: CallOwner;
  declare readonly target: string;
  /** Assigned when the request is sent (ids are taken only for requests that really go out). */
  id = 0;
  /** 0 = no timeout. */
  timeoutMs = 0;
  /**
   * When the call times out (`Date.now()` ms), checked by the table's sweep;
   * 0 = never. A stream's deadline follows its last part (idle timeout).
   */
  deadline = 0;
  signal: AbortSignal | undefined;
  /** Set when the request asked for an acknowledge (`ra`); a no-op once reported. */
  onAck: (() => void) | undefined;
  /** Callbacks and iterables this request declared, which the callee may reach with `c` (§7.8, §7.9). */
  locals: CallLocals | undefined;

  constructor(owner: CallOwner, target: string) {
    this.owner = owner;
    this.target = target;
  }

  /** A `p` arrived for this id. Returns true when it ends the request. */
  abstract onResponse(message: ResponseMessage, bytes?: number): boolean;
  /** The request failed (exception, timeout, abort, close). Called at most once, after removal. */
  abstract fail(error: SparrowError): void;
  /** The caller stopped reading (streams only): end without an error. */
  end?(): void;
  /** The sweep is about to check `deadline` (streams only: a stream moves it with its last part). */
  refreshDeadline?(now: number): void;

  /** AbortSignal listener (EventListenerObject): the entry itself, so no closure per call. */
  handleEvent(): void {
    // Only while listening, which is only while the entry holds its signal.
    this.owner.cancelEntry(this, abortedError(this.target, this.signal!));
  }
}

const NO_OPTIONS: CallOptions = {};

/**
 * A request answered by one response: resolves with the result (through
 * `options.mapResult`); a response with no result part is the callee's
 * None, so it resolves with `null` (`undefined` for a `quiet` call, which
 * asks for no result). A failure rejects through `options.mapError`.
 */
export class PendingCall extends PendingEntry {
  declare readonly promise: Promise<unknown>;
  declare protected resolve: (value: unknown) => void;
  #reject!: (error: unknown) => void;
  // Copied out of the options, which are not kept: holding the caller's options object for the
  // call's life made the pipelined in-process bench promote ~2 MB more per 300k calls to the old generation.
  readonly #mapResult: CallOptions['mapResult'];
  readonly #mapError: CallOptions['mapError'];
  readonly #missing: null | undefined;

  constructor(owner: CallOwner, target: string, options: CallOptions = NO_OPTIONS) {
    super(owner, target);
    this.#mapResult = options.mapResult;
    this.#mapError = options.mapError;
    this.#missing = options.quiet === true ? undefined : null;
    this.promise = new Promise<unknown>((resolve, reject) => {
      this.resolve = resolve;
      this.#reject = reject;
    });
  }

  onResponse(message: ResponseMessage): boolean {
    if (message.multipart) {
      // The reference raises ValueError here too: the caller expected one value.
      this.fail(new ResponseKindError(this.target, true));
      return true;
    }
    const mapResult = this.#mapResult;
    const result = message.hasResult ? message.result : this.#missing;
    try {
      this.resolve(mapResult ? mapResult(result) : result);
    } catch (error) {
      // A result that does not decode fails the call with that error, as it is.
      this.#reject(error);
    }
    return true;
  }

  fail(error: SparrowError): void {
    const mapError = this.#mapError;
    try {
      this.#reject(mapError ? mapError(error) : error);
    } catch (thrown) {
      this.#reject(thrown);
    }
  }
}
