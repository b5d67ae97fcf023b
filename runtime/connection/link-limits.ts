/**
 * What one connection may cost and how long it may stall: the output
 * budget (backpressure, then a slow-consumer disconnect), the budget for
 * bytes held by unfinished chains across connections, and the lifecycle
 * deadlines (handshake, partial chain, idle). `LinkGuard` applies them to
 * the links made by `createMessageLink`; the defaults for a listener's
 * connections are in LISTENER_LINK_DEFAULTS.
 *
 * Browser-safe.
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import type { Chain } from '../framing/chain-decoder.ts';
import type { Transport } from '../transport/transport.ts';
import { LARGE_PART_BYTES } from '../wire.ts';
import { connectionClose, type ConnectionClose } from './connection-close.ts';

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
export const LISTENER_LINK_DEFAULTS: Readonly<Required<Omit<LinkLimitOptions, 'inputBudget'>>> = /* @__PURE__ */ Object.freeze({
  outputSoftBytes: 8_388_608, // 8 MiB
  outputHardBytes: 67_108_864, // 64 MiB
  handshakeTimeoutMs: 10_000,
  partialChainTimeoutMs: 30_000,
  idleTimeoutMs: 300_000,
});

/** Default partial-chain deadline of any link. */
export const DEFAULT_PARTIAL_CHAIN_TIMEOUT_MS = 30_000;

/** Default of the process-wide budget for bytes held by unfinished chains. */
export const DEFAULT_GLOBAL_INPUT_BYTES = 268_435_456; // 256 MiB (literals here: a bundler keeps a product it cannot prove pure)

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
export const processInputBudget: SharedBudget = /* @__PURE__ */ createSharedBudget(DEFAULT_GLOBAL_INPUT_BYTES);

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

/** What a guard needs of its link (message-link.ts). */
export interface GuardedLink {
  readonly transport: Transport;
  /** True once the link gave up or closed. */
  readonly dead: boolean;
  /** True when the chain decoder is between chains. */
  readonly atChainBoundary: boolean;
  /** True when the link's handlers have work in flight (never idle then). */
  busy(): boolean;
  /** Closes the connection for `close` (the link's one way to give up). */
  giveUp(close: ConnectionClose): void;
  /** Decodes and hands on one chain. */
  deliver(chain: Chain): void;
  /** Resolves once the transport's output has drained. */
  drained(): Promise<void>;
}

/**
 * A link's budgets and deadlines: the output budget (backpressure, then a
 * slow-consumer disconnect), its share of the input budget, and the
 * deadlines, checked on a timer at a quarter of the shortest one (between
 * 5 ms and 1 s), comparing counters instead of reading the clock per
 * chunk, so a deadline is detected within 1.25× its length.
 */
export class LinkGuard {
  readonly #link: GuardedLink;
  readonly #limits: LinkLimits;
  #timer: ReturnType<typeof setInterval> | undefined = undefined;
  readonly #startedAt = Date.now();
  #lastActive = this.#startedAt;
  // Counters bumped on every chunk received, chain completed and message sent (no clock on the hot path).
  #inputCount = 0;
  #chainCount = 0;
  #sendCount = 0;
  #seenInput = 0;
  #seenSends = 0;
  #partialSince = 0;
  #partialChain = -1;
  /** Reading stopped until the output drains (outputSoftBytes). */
  #paused = false;
  /** Chains that arrived while paused (at most what one read held: the transport is paused too). */
  readonly #backlog: Chain[] = [];
  /** Bytes of the unfinished chain counted against `limits.inputBudget`. */
  #heldInput = 0;

  constructor(link: GuardedLink, limits: LinkLimits) {
    this.#link = link;
    this.#limits = limits;
  }

  /** The link started: the deadlines run from now. */
  start(): void {
    const limits = this.#limits;
    const deadlines = [limits.handshakeTimeoutMs, limits.partialChainTimeoutMs, limits.idleTimeoutMs].filter((ms) => ms > 0);
    if (deadlines.length === 0) return;
    const interval = Math.min(1000, Math.max(5, Math.floor(Math.min(...deadlines) / 4)));
    this.#timer = setInterval(() => this.check(), interval);
    // A deadline never keeps the process alive.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Stops the deadlines and gives back the shared input budget. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#limits.inputBudget.held -= this.#heldInput;
    this.#heldInput = 0;
  }

  /** A chunk was read; `held` bytes of an unfinished chain are now buffered, against the budget shared with the other connections. */
  received(held: number): void {
    this.#inputCount++;
    if (held === this.#heldInput) return;
    const budget = this.#limits.inputBudget;
    budget.held += held - this.#heldInput;
    this.#heldInput = held;
    if (budget.held > budget.maxBytes) {
      this.#link.giveUp(connectionClose('global-budget', `unfinished chains of all connections hold more than ${budget.maxBytes} bytes; closing ${this.#link.transport.remote}, which holds ${held}`));
    }
  }

  /** A chain is complete: true when it is held back (backpressure) rather than delivered now. */
  hold(chain: Chain): boolean {
    this.#chainCount++;
    if (!this.#paused) return false;
    // Requests already read wait until the output drains: their small parts copied, as they are only lent (docs/runtime.md, "Buffer ownership").
    this.#backlog.push({ prefix: chain.prefix, parts: chain.parts.map((part) => (part.length < LARGE_PART_BYTES ? part.slice() : part)) });
    return true;
  }

  /** A message went out: past the soft mark stop reading until drained; past the hard mark give up on the reader. */
  sent(): void {
    this.#sendCount++;
    const { outputSoftBytes: soft, outputHardBytes: hard } = this.#limits;
    if (hard === 0 && soft === 0) return;
    const link = this.#link;
    const transport = link.transport;
    const buffered = transport.bufferedAmount;
    if (hard > 0 && buffered > hard) {
      link.giveUp(connectionClose('slow-consumer', `${transport.remote} left ${buffered} bytes unread (output hard mark ${hard})`));
      return;
    }
    if (soft > 0 && buffered > soft && !this.#paused) {
      this.#paused = true;
      transport.pause?.();
      void link.drained().then(() => {
        this.#paused = false;
        if (link.dead) return;
        // Chains held back while paused, in order, until paused again.
        while (this.#backlog.length > 0 && !this.#paused && !link.dead) link.deliver(this.#backlog.shift()!);
        if (!this.#paused) transport.resume?.();
      });
    }
  }

  /** One check of the deadlines; public for tests that cannot wait for the timer. */
  check(): void {
    const link = this.#link;
    const limits = this.#limits;
    const now = Date.now();
    if (this.#inputCount !== this.#seenInput || this.#sendCount !== this.#seenSends) {
      this.#seenInput = this.#inputCount;
      this.#seenSends = this.#sendCount;
      this.#lastActive = now;
    }
    if (limits.handshakeTimeoutMs > 0 && this.#chainCount === 0 && now - this.#startedAt >= limits.handshakeTimeoutMs) {
      this.#expire('handshake-timeout', `no complete chain within ${limits.handshakeTimeoutMs} ms of connecting`);
      return;
    }
    if (limits.partialChainTimeoutMs > 0) {
      if (link.atChainBoundary) {
        this.#partialSince = 0;
      } else if (this.#partialSince === 0 || this.#chainCount !== this.#partialChain) {
        // A chain started since the last check (or a new one after a complete one).
        this.#partialSince = now;
        this.#partialChain = this.#chainCount;
      } else if (now - this.#partialSince >= limits.partialChainTimeoutMs) {
        this.#expire('partial-chain-timeout', `a chain stayed unfinished for ${limits.partialChainTimeoutMs} ms`);
        return;
      }
    }
    const busy = this.#backlog.length > 0 || link.busy();
    if (limits.idleTimeoutMs > 0 && now - this.#lastActive >= limits.idleTimeoutMs && link.atChainBoundary && !busy) {
      this.#expire('idle-timeout', `no traffic and no work in flight for ${limits.idleTimeoutMs} ms`);
    }
  }

  #expire(code: 'handshake-timeout' | 'partial-chain-timeout' | 'idle-timeout', message: string): void {
    this.#link.giveUp(connectionClose(code, `${this.#link.transport.remote}: ${message}`));
  }
}
