/**
 * Rate limits for log lines an attacker can cause (protocol errors): a
 * connection that sends garbage must not turn into megabytes of log.
 * Browser-safe. A peer's own limiter is a part (`logLimitFeature`, peer.ts)
 * that `createPeer` and the Node endpoints give; a client page that never
 * names it logs every line (and refuses `PeerOptions.protocolLogLimiter`).
 */

/** Lets a few lines per window through; the rest are counted and summed up in the next line let through. */
export interface LogLimiter {
  /**
   * True when a line may be written now; false when it is dropped. Takes
   * from every limiter up the chain (a connection's and its listener's).
   */
  allow(): boolean;
  /** Lines dropped since the last line let through (reset by reading it). */
  takeSuppressed(): number;
}

/** Lines per window a connection may log about protocol errors. */
export const CONNECTION_LOG_LINES = 5;
/** Lines per window a listener may log for all its connections together. */
export const LISTENER_LOG_LINES = 20;
/** The window, in ms. */
export const LOG_WINDOW_MS = 10_000;
/** The longest line let through, in characters: the other side's text in it (a marker, a version, a key) is cut. */
export const MAX_LOG_LINE = 1_000;

/**
 * `text` cut to `max` characters, saying how long it was: for text the
 * other side chose (a target, an id, a marker) in a line this side logs, so
 * a 10 MiB name makes a short line.
 */
export function clipText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

class WindowLimiter implements LogLimiter {
  readonly #lines: number;
  readonly #windowMs: number;
  readonly #parent: LogLimiter | undefined;
  #windowStart = 0;
  #used = 0;
  #suppressed = 0;

  constructor(lines: number, windowMs: number, parent: LogLimiter | undefined) {
    this.#lines = lines;
    this.#windowMs = windowMs;
    this.#parent = parent;
  }

  allow(): boolean {
    const now = Date.now();
    if (now - this.#windowStart >= this.#windowMs) {
      this.#windowStart = now;
      this.#used = 0;
    }
    if (this.#used >= this.#lines || (this.#parent !== undefined && !this.#parent.allow())) {
      this.#suppressed++;
      return false;
    }
    this.#used++;
    return true;
  }

  takeSuppressed(): number {
    const count = this.#suppressed + (this.#parent?.takeSuppressed() ?? 0);
    this.#suppressed = 0;
    return count;
  }
}

/**
 * A limiter of `lines` per `windowMs`; with `parent`, a line also needs the
 * parent's leave (a listener's limiter shared by its connections).
 */
export function createLogLimiter(lines: number = CONNECTION_LOG_LINES, windowMs: number = LOG_WINDOW_MS, parent?: LogLimiter): LogLimiter {
  return new WindowLimiter(lines, windowMs, parent);
}

