/**
 * Timeout, abort and error mapping shared by every connector, so they all
 * fail the same way. Browser-safe.
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import type { ConnectOptions } from './transport.ts';

/** Default connect timeout (ConnectOptions.timeoutMs). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Runs one connection attempt under `options.timeoutMs` and `options.signal`.
 * `attempt` starts connecting, calls `settle` once with the result or the
 * failure, and returns a function that abandons the attempt (destroying any
 * half-open socket); it is called on timeout or abort.
 *
 * Rejects with `connection-failed` (the failure as `cause`, or a timeout),
 * or `aborted` when the signal fires.
 */
export function guardConnect<T>(
  target: string,
  options: ConnectOptions,
  attempt: (settle: (error: unknown, value?: T) => void) => () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const signal = options.signal;
    const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const aborted = (): SparrowError => new SparrowError(ErrorCode.Aborted, `Connecting to ${target} was aborted`, { cause: signal?.reason });
    if (signal?.aborted) {
      reject(aborted());
      return;
    }
    let settled = false;
    let abandon: (() => void) | undefined;
    // The one exit: the first outcome wins; a timeout or an abort also abandons the attempt.
    const finish = (error: unknown, value?: T, giveUp?: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (giveUp) abandon?.();
      if (error == null) resolve(value as T);
      else reject(error);
    };
    const onAbort = (): void => finish(aborted(), undefined, true);
    const timer = setTimeout(() => finish(new SparrowError(ErrorCode.ConnectionFailed, `Connecting to ${target} timed out after ${timeoutMs} ms`), undefined, true), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (error: unknown, value?: T): void => finish(error == null ? error : connectionFailed(target, error), value);
    try {
      abandon = attempt(settle);
    } catch (error) {
      settle(error);
    }
  });
}

/** Wraps a connect failure as `connection-failed`, keeping the original as `cause`. */
export function connectionFailed(target: string, cause: unknown): SparrowError {
  if (cause instanceof SparrowError) return cause;
  const reason = cause instanceof Error ? cause.message : typeof cause === 'string' ? cause : 'connection error';
  return new SparrowError(ErrorCode.ConnectionFailed, `Cannot connect to ${target}: ${reason}`, { cause });
}
