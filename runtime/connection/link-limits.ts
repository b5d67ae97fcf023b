/**
 * What one connection may cost and how long it may stall: the output
 * budget (backpressure, then a slow-consumer disconnect), the budget for
 * bytes held by unfinished chains across connections, and the lifecycle
 * deadlines (handshake, partial chain, idle). The message link applies
 * them; the defaults for a listener's connections are in
 * LISTENER_LINK_DEFAULTS.
 *
 * Browser-safe.
 */
import { ErrorCode, SparrowError } from '../errors.ts';

/** Connection budgets and deadlines of a message link; 0 turns one off. */
export interface LinkLimitOptions {
  /**
   * Unsent output (bytes) past which the link stops reading new input
   * until the output drains (backpressure). Default 0 (off) on a link,
   * 8 MiB on a listener's connections.
   */
  outputSoftBytes?: number;
  /**
   * Unsent output (bytes) past which the peer is disconnected as a slow
   * consumer (what it did not read is dropped). Default 0 (off) on a link,
   * 64 MiB on a listener's connections.
   */
  outputHardBytes?: number;
  /** The first complete chain must arrive within this many ms. Default 0 (off) on a link, 10 000 on a listener's connections. */
  handshakeTimeoutMs?: number;
  /** A started chain must be complete within this many ms. Default 30 000. */
  partialChainTimeoutMs?: number;
  /**
   * Close after this many ms with no bytes either way and no work in
   * flight. Default 0 (off) on a link, 300 000 (5 min) on a listener's
   * connections.
   */
  idleTimeoutMs?: number;
  /**
   * Bytes held by unfinished chains across every connection sharing this
   * budget (declared part lengths count in full). Default: the process-wide
   * budget of DEFAULT_GLOBAL_INPUT_BYTES.
   */
  inputBudget?: SharedBudget;
}

/** Defaults of a link made by listenPeers (a server facing unknown clients). */
export const LISTENER_LINK_DEFAULTS: Readonly<Required<Omit<LinkLimitOptions, 'inputBudget'>>> = Object.freeze({
  outputSoftBytes: 8 * 1024 * 1024,
  outputHardBytes: 64 * 1024 * 1024,
  handshakeTimeoutMs: 10_000,
  partialChainTimeoutMs: 30_000,
  idleTimeoutMs: 300_000,
});

/** Default partial-chain deadline of any link. */
export const DEFAULT_PARTIAL_CHAIN_TIMEOUT_MS = 30_000;

/** Default of the process-wide budget for bytes held by unfinished chains. */
export const DEFAULT_GLOBAL_INPUT_BYTES = 256 * 1024 * 1024;

/** A byte budget shared by several connections. */
export interface SharedBudget {
  readonly maxBytes: number;
  /** Bytes currently held against it. */
  held: number;
}

/**
 * A budget `maxBytes` shared by the links given it.
 * @throws SparrowError `invalid-params` when `maxBytes` is not a positive integer.
 */
export function createSharedBudget(maxBytes: number): SharedBudget {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new SparrowError(ErrorCode.InvalidParams, `a shared budget must be a positive integer of bytes (got ${String(maxBytes)})`);
  return { maxBytes, held: 0 };
}

/** The budget every link uses unless told otherwise. */
export const processInputBudget: SharedBudget = createSharedBudget(DEFAULT_GLOBAL_INPUT_BYTES);

/** Resolved limits of one link. */
export interface LinkLimits {
  outputSoftBytes: number;
  outputHardBytes: number;
  handshakeTimeoutMs: number;
  partialChainTimeoutMs: number;
  idleTimeoutMs: number;
  inputBudget: SharedBudget;
}

/**
 * `options` with the link defaults filled in.
 * @throws SparrowError `invalid-params` for a negative or non-numeric value.
 */
export function resolveLinkLimits(options: LinkLimitOptions): LinkLimits {
  const check = (name: keyof Omit<LinkLimitOptions, 'inputBudget'>, fallback: number): number => {
    const value = options[name] ?? fallback;
    if (!(typeof value === 'number' && value >= 0)) throw new SparrowError(ErrorCode.InvalidParams, `${name} must be a non-negative number (0 = off), got ${String(value)}`);
    return value;
  };
  return {
    outputSoftBytes: check('outputSoftBytes', 0),
    outputHardBytes: check('outputHardBytes', 0),
    handshakeTimeoutMs: check('handshakeTimeoutMs', 0),
    partialChainTimeoutMs: check('partialChainTimeoutMs', DEFAULT_PARTIAL_CHAIN_TIMEOUT_MS),
    idleTimeoutMs: check('idleTimeoutMs', 0),
    inputBudget: options.inputBudget ?? processInputBudget,
  };
}

/** What the watchdog reads from its link at each check. */
export interface WatchedLink {
  /** Counters bumped on every chunk received, chain completed and message sent (no clock on the hot path). */
  readonly inputCount: number;
  readonly chainCount: number;
  readonly sendCount: number;
  /** True when the chain decoder is between chains. */
  readonly atChainBoundary: boolean;
  /** True when work is in flight (never idle then). */
  busy(): boolean;
  /** Gives up on the connection. */
  expire(code: 'handshake-timeout' | 'partial-chain-timeout' | 'idle-timeout', message: string): void;
}

/**
 * Checks a link's deadlines on a timer at a quarter of the shortest one
 * (between 5 ms and 1 s), comparing counters instead of reading the clock
 * per chunk, so a deadline is detected within 1.25× its length.
 */
export class LinkWatchdog {
  readonly #link: WatchedLink;
  readonly #limits: LinkLimits;
  readonly #timer: ReturnType<typeof setInterval> | undefined;
  readonly #startedAt = Date.now();
  #lastActive = this.#startedAt;
  #seenInput = 0;
  #seenSends = 0;
  #partialSince = 0;
  #partialChain = -1;

  constructor(link: WatchedLink, limits: LinkLimits) {
    this.#link = link;
    this.#limits = limits;
    const deadlines = [limits.handshakeTimeoutMs, limits.partialChainTimeoutMs, limits.idleTimeoutMs].filter((ms) => ms > 0);
    if (deadlines.length === 0) return;
    const interval = Math.min(1000, Math.max(5, Math.floor(Math.min(...deadlines) / 4)));
    this.#timer = setInterval(() => this.check(), interval);
    // A deadline never keeps the process alive.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
  }

  /** One check; public for the link to run at once when it wants. */
  check(): void {
    const link = this.#link;
    const limits = this.#limits;
    const now = Date.now();
    if (link.inputCount !== this.#seenInput || link.sendCount !== this.#seenSends) {
      this.#seenInput = link.inputCount;
      this.#seenSends = link.sendCount;
      this.#lastActive = now;
    }
    if (limits.handshakeTimeoutMs > 0 && link.chainCount === 0 && now - this.#startedAt >= limits.handshakeTimeoutMs) {
      link.expire('handshake-timeout', `no complete chain within ${limits.handshakeTimeoutMs} ms of connecting`);
      return;
    }
    if (limits.partialChainTimeoutMs > 0) {
      if (link.atChainBoundary) {
        this.#partialSince = 0;
      } else if (this.#partialSince === 0 || link.chainCount !== this.#partialChain) {
        // A chain started since the last check (or a new one after a complete one).
        this.#partialSince = now;
        this.#partialChain = link.chainCount;
      } else if (now - this.#partialSince >= limits.partialChainTimeoutMs) {
        link.expire('partial-chain-timeout', `a chain stayed unfinished for ${limits.partialChainTimeoutMs} ms`);
        return;
      }
    }
    if (limits.idleTimeoutMs > 0 && now - this.#lastActive >= limits.idleTimeoutMs && link.atChainBoundary && !link.busy()) {
      link.expire('idle-timeout', `no traffic and no work in flight for ${limits.idleTimeoutMs} ms`);
    }
  }
}
