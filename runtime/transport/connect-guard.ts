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
 * half-open socket); it is called on timeout or abort. An attempt under a
 * signal already aborted never starts.
 *
 * Rejects with `connection-failed` (the failure as `cause`, or a timeout),
 * or `aborted` when the signal fires.
 */
export function guardConnect<T>(
  target: string,
  options: ConnectOptions,
  attempt: (settle: (error: unknown, value?: T) => void) => () => void,
): Promise<T> {
  const { signal, timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS } = options;
  const failure = (code: ErrorCode, what: string, cause?: unknown): SparrowError => new SparrowError(code, `Connecting to ${target} ${what}`, { cause });
  return new Promise<T>((resolve, reject) => {
    let abandon: (() => void) | undefined;
    // The one exit. A promise settles once, so the first outcome wins; the timer and the abort listener go
    // with it, so neither can abandon an attempt that already ended.
    const finish = (error: unknown, value?: T): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error == null) resolve(value as T);
      else reject(error);
    };
    const giveUp = (error: SparrowError): void => {
      finish(error);
      abandon?.();
    };
    const onAbort = (): void => giveUp(failure(ErrorCode.Aborted, 'was aborted', signal?.reason));
    const timer = setTimeout(() => giveUp(failure(ErrorCode.ConnectionFailed, `timed out after ${timeoutMs} ms`)), timeoutMs);
    // The failure wrapped as `connection-failed` (a SparrowError stays as it is), the original as `cause`.
    const settle = (error: unknown, value?: T): void =>
      finish(error == null || error instanceof SparrowError ? error : failure(ErrorCode.ConnectionFailed, `failed: ${error instanceof Error ? error.message : String(error)}`, error), value);
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort);
    try {
      abandon = attempt(settle);
    } catch (error) {
      settle(error);
    }
  });
}
