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
    if (signal?.aborted) {
      reject(new SparrowError(ErrorCode.Aborted, `Connecting to ${target} was aborted`, { cause: signal.reason }));
      return;
    }
    let settled = false;
    let abandon: (() => void) | undefined;
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      return true;
    };
    const onAbort = (): void => {
      if (!finish()) return;
      abandon?.();
      reject(new SparrowError(ErrorCode.Aborted, `Connecting to ${target} was aborted`, { cause: signal?.reason }));
    };
    const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const timer = setTimeout(() => {
      if (!finish()) return;
      abandon?.();
      reject(new SparrowError(ErrorCode.ConnectionFailed, `Connecting to ${target} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (error: unknown, value?: T): void => {
      if (!finish()) return;
      if (error === undefined || error === null) resolve(value as T);
      else reject(connectionFailed(target, error));
    };
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
