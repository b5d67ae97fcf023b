/**
 * The runtime's one error class, with a closed set of codes.
 *
 * Every failure a caller can observe is a `SparrowError` (or a generated
 * typed error class that extends it). Errors that cross the wire map to and
 * from the reference's exception payload `{cat, type, msg}` (PROTOCOL.md §6,
 * §10): `cat` "r" is a caller error, "e" a callee error.
 */

/** The closed set of error codes: `ErrorCode.InvalidParams` is `'invalid-params'` (each name is its code in PascalCase). */
export interface ErrorCodes {
  /** Params missing, of the wrong type or out of range (wire: cat r, InvalidParams). */
  readonly InvalidParams: 'invalid-params';
  /** No such target or namespace on the remote peer (wire: cat r, TargetNotFound). */
  readonly TargetNotFound: 'target-not-found';
  /** Any other caller-side error reported by the remote peer (wire: cat r). */
  readonly CallerError: 'caller-error';
  /** The remote implementation failed (wire: cat e). */
  readonly CalleeError: 'callee-error';
  /** The caller is not in a group the target requires. */
  readonly PermissionDenied: 'permission-denied';
  /** The call did not complete within its timeout. */
  readonly Timeout: 'timeout';
  /** The caller aborted the call through its AbortSignal. */
  readonly Aborted: 'aborted';
  /** The connection closed or broke while the call was pending. */
  readonly ConnectionClosed: 'connection-closed';
  /** A connection could not be established. */
  readonly ConnectionFailed: 'connection-failed';
  /** The other side sent something that breaks the wire protocol. */
  readonly ProtocolError: 'protocol-error';
  /** A configured limit (chain size, parts, pending calls, nesting) was exceeded. */
  readonly LimitExceeded: 'limit-exceeded';
  /** An API was used in a state where it cannot work (for example a callback invoked after its call ended). */
  readonly InvalidState: 'invalid-state';
  /** A value could not be serialised or deserialised. */
  readonly SerialisationError: 'serialisation-error';
  /** An unsupported option, URL or feature. */
  readonly Unsupported: 'unsupported';
}

export type ErrorCode = ErrorCodes[keyof ErrorCodes];

/**
 * Every code's name once, in ErrorCodes' order; the codes are built from them
 * (test/runtime/errors-identity.test.ts checks both against each other). The
 * names, not the codes, are written out: the bundle names them anyway
 * (`ErrorCode.InvalidParams`), so they cost a page almost nothing.
 */
const NAMES = 'InvalidParams TargetNotFound CallerError CalleeError PermissionDenied Timeout Aborted ConnectionClosed ConnectionFailed ProtocolError LimitExceeded InvalidState SerialisationError Unsupported'.split(' ');

/** The closed set of error codes, by name (see {@link ErrorCodes}): `ConnectionClosed` is `connection-closed`. */
export const ErrorCode: ErrorCodes = /* @__PURE__ */ Object.fromEntries(NAMES.map((name) => [name, name.replace(/\B[A-Z]/g, (letter) => `-${letter}`).toLowerCase()])) as unknown as ErrorCodes;

/** `connection-closed` → `ConnectionClosed`: a code's name, and the wire type of a code that has no better one (a code outside the closed set is its own name). */
function codeName(code: ErrorCode): string {
  return NAMES.find((name) => (ErrorCode as unknown as Record<string, string>)[name] === code) ?? code;
}

/** Wire exception categories (PROTOCOL.md §10). `t` is defined but never sent. */
export type ErrorCategory = 'r' | 'e' | 't';

/** The exception payload as it travels on the wire (PROTOCOL.md §6, IDL.md "Typed errors on the wire"). */
export interface WireError {
  cat: ErrorCategory;
  type: string;
  msg: string;
  details?: string;
  value?: number;
  /** Fields of a typed (schema-declared) error. Sparrow extension; the reference ignores it. */
  data?: Record<string, unknown>;
}

export interface SparrowErrorOptions {
  cause?: unknown;
  /** Wire `type` of a remote error (for example `RuntimeError`, or a schema error's name). */
  remoteType?: string;
  /** Fields of a typed remote error. */
  data?: Record<string, unknown> | undefined;
  details?: string | undefined;
}

/**
 * Marks SparrowError's prototype. A registered symbol is the same in every
 * copy of the package (two versions in one bundle, a library pinning its
 * own), so `instanceof SparrowError` holds for an error from either copy.
 */
const BRAND = Symbol.for('sparrow-rpc.SparrowError');

/**
 * The error every Sparrow API rejects or throws with.
 *
 * `error instanceof SparrowError` is true for a SparrowError made by any
 * copy of the package (by a brand, see `Symbol.hasInstance`); for its
 * subclasses `instanceof` is the usual prototype check.
 */
export class SparrowError extends Error {
  override readonly name: string = 'SparrowError';
  declare readonly code: ErrorCode;
  /** For errors that came from the other peer: the wire `type` it sent. */
  declare readonly remoteType: string | undefined;
  /** For typed errors: the error's fields. */
  declare readonly data: Record<string, unknown> | undefined;
  declare readonly details: string | undefined;

  constructor(code: ErrorCode, message: string, options: SparrowErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const self = this as { -readonly [K in 'code' | 'remoteType' | 'data' | 'details']: SparrowError[K] };
    self.code = code;
    self.remoteType = options.remoteType;
    self.data = options.data;
    self.details = options.details;
  }

  /** True for a SparrowError of any copy of the package (the brand on its prototype chain); subclasses check their prototype. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== SparrowError) return super[Symbol.hasInstance](value);
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }

  /**
   * Wraps anything thrown into a SparrowError, keeping the original as
   * `cause` (and its `name` as `remoteType`). A SparrowError is returned as
   * it is; an `AbortError` (an aborted signal's reason, a DOMException)
   * becomes `aborted` and a `TimeoutError` (`AbortSignal.timeout`)
   * becomes `timeout`; anything else gets `fallback`.
   */
  static from(reason: unknown, fallback: ErrorCode = ErrorCode.CalleeError): SparrowError {
    if (reason instanceof SparrowError) return reason;
    const { name, message } = (typeof reason === 'object' && reason !== null ? reason : {}) as { name?: unknown; message?: unknown };
    const code = name === 'AbortError' ? ErrorCode.Aborted : name === 'TimeoutError' ? ErrorCode.Timeout : reason instanceof Error && typeof name === 'string' ? fallback : undefined;
    return code === undefined
      ? new SparrowError(fallback, String(reason), { cause: reason })
      : new SparrowError(code, typeof message === 'string' ? message : String(reason), { cause: reason, remoteType: name as string });
  }
}

Object.defineProperty(SparrowError.prototype, BRAND, { value: true });

/** True when `value` is a SparrowError, optionally with the given code. */
export function isSparrowError(value: unknown, code?: ErrorCode): value is SparrowError {
  return value instanceof SparrowError && (code === undefined || value.code === code);
}

/**
 * The caller-side codes whose wire type is their own name (PascalCase):
 * `InvalidParams` and `TargetNotFound` are the reference's CallerException
 * subclasses; `PermissionDenied` and `LimitExceeded` are Sparrow's and reach
 * a Python caller as a plain CallerException with that type.
 */
const CALLER_CODES: readonly ErrorCode[] = [ErrorCode.InvalidParams, ErrorCode.TargetNotFound, ErrorCode.PermissionDenied, ErrorCode.LimitExceeded];

/**
 * Builds the exception payload (PROTOCOL.md §6) for anything a handler threw.
 *
 * - `SparrowError` with `invalid-params`, `target-not-found`,
 *   `permission-denied` or `limit-exceeded` → cat `r` with the matching type;
 *   `caller-error` → cat `r`, type `remoteType` or `CallerError`;
 * - any other `SparrowError` → cat `e`, type `remoteType` (a typed error's
 *   schema name, or the remote type of a forwarded error) or the code in
 *   PascalCase (`Timeout`, `ConnectionClosed`), with `data` when present;
 * - any other `Error` → cat `e`, type = its `name`, msg = its `message`;
 * - anything else → cat `e`, type `Error`, msg = `String(value)`.
 *
 * A caller error this peer *received* (see {@link fromWireError}) that a
 * handler let through is not its caller's fault: the handler's own call
 * failed. It goes out as cat `e` with its type, the message prefixed
 * "a call made while handling this request failed: ", so the caller never
 * reads it as its own `TargetNotFound` or `InvalidParams`. A handler that
 * means to forward it rethrows a new `SparrowError` with the code.
 *
 * `msg` is always present (the reference crashes without it) and cat `t` is
 * never produced (a Python caller would wait forever).
 */
export function toWireError(error: unknown): WireError {
  if (!(error instanceof SparrowError)) {
    return error instanceof Error ? { cat: 'e', type: error.name || 'Error', msg: typeof error.message === 'string' ? error.message : '' } : { cat: 'e', type: 'Error', msg: String(error) };
  }
  const wire = ownWireError(error);
  // Another peer's answer to a call the handler made: the handler failed, not its caller's request.
  if (wire.cat === 'r' && receivedErrors.has(error)) {
    wire.cat = 'e';
    wire.msg = NESTED_PREFIX + wire.msg;
  }
  return wire;
}

/**
 * The exception payload of a `SparrowError` this side raised itself (not one
 * it received: see {@link toWireError}), by its code as `toWireError` maps
 * it. What the envelope answers a payload it cannot read with; a page that
 * answers no handler's failure carries only this.
 */
export function ownWireError(error: SparrowError): WireError {
  const { code, message, remoteType } = error;
  const wire: WireError = {
    cat: code === ErrorCode.CallerError || CALLER_CODES.includes(code) ? 'r' : 'e',
    type: CALLER_CODES.includes(code) ? codeName(code) : (remoteType ?? codeName(code)),
    msg: message,
  };
  if (error.details !== undefined) wire.details = error.details;
  if (error.data !== undefined) wire.data = error.data;
  return wire;
}

/**
 * A received error map as a `WireError`, forgivingly: an unknown `cat` reads
 * as `e`, a missing `type` or `msg` as "" (Python omits an empty one), and
 * `details` and `value` are kept when they have their types. `data` is the
 * caller's (the basic protocol has none).
 */
export function readWireError(map: Readonly<Record<string, unknown>>): WireError {
  const error: WireError = {
    cat: map.cat === 'r' || map.cat === 't' ? map.cat : 'e',
    type: typeof map.type === 'string' ? map.type : '',
    msg: map.msg === undefined || map.msg === null ? '' : String(map.msg),
  };
  if (typeof map.details === 'string') error.details = map.details;
  if (typeof map.value === 'number') error.value = map.value;
  return error;
}

/**
 * Maps a received exception payload to a `SparrowError`, keeping the wire
 * `type` as `remoteType` and `data`/`details` as they came.
 *
 * - cat `r`: `InvalidParams` → `invalid-params`, `TargetNotFound` →
 *   `target-not-found`, `PermissionDenied` → `permission-denied`,
 *   `LimitExceeded` → `limit-exceeded`, any other type → `caller-error`;
 * - cat `e` → `callee-error`;
 * - cat `t` (defined, never sent by the reference) and anything unknown →
 *   `callee-error`. The Python client ignores `t` and keeps waiting; Sparrow
 *   never lets a call hang, and the failure happened on the remote side.
 *
 * Forgiving about shape, as {@link readWireError} reads it: a missing
 * `msg`/`type` becomes `""`, any other non-string `msg` its text.
 */
export function fromWireError(wire: unknown): SparrowError {
  const map = (typeof wire === 'object' && wire !== null ? wire : {}) as Record<string, unknown>;
  const error = readWireError(map);
  const data = map.data;
  if (typeof data === 'object' && data !== null && !Array.isArray(data)) error.data = data as Record<string, unknown>;
  return receivedError(error);
}

/**
 * A received exception payload, already read (`readWireError`, as the
 * envelope hands it over), as the `SparrowError` {@link fromWireError} makes.
 */
export function receivedError({ cat, type, msg, details, data }: WireError): SparrowError {
  // A caller code's name is its wire type (an inherited name such as `toString` finds no code in the list).
  const named = (ErrorCode as unknown as Record<string, ErrorCode>)[type]!;
  const code = cat !== 'r' ? ErrorCode.CalleeError : CALLER_CODES.includes(named) ? named : ErrorCode.CallerError;
  const error = new SparrowError(code, msg, { remoteType: type, details, data });
  receivedErrors.add(error);
  return error;
}

/** Errors made by {@link fromWireError}: what another peer answered (see toWireError). */
const receivedErrors = new WeakSet<SparrowError>();

/** How the message of a received caller error starts when a handler lets it through. */
const NESTED_PREFIX = 'a call made while handling this request failed: ';
