/**
 * The logger a peer reports to. Injectable so that servers can route peer
 * diagnostics into their own logging; browser-safe (only `console`).
 */

/** Four levels; each takes a message and optional structured details. */
export interface Logger {
  debug(message: string, ...details: unknown[]): void;
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}

const ignore = (): void => {};

/**
 * The default logger: prints only real problems (warn and error) to the
 * console, so that a healthy peer is silent and a misbehaving remote is
 * still visible.
 */
export const consoleLogger: Logger = {
  debug: ignore,
  info: ignore,
  warn: (message, ...details) => console.warn(`[sparrow] ${message}`, ...details),
  error: (message, ...details) => console.error(`[sparrow] ${message}`, ...details),
};

/** A logger that drops everything (tests, embedders with their own reporting). */
export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
