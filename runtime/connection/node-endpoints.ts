/**
 * Peer endpoints on Node: connect a peer to a URL, or listen at a URL and
 * make one peer per accepted connection. Every scheme of `connect`/`listen`
 * works (tcp, unix, tls, ws, wss, stdio, nats).
 */
// Node only: Node's platform (every serialiser by default), as the Node entry installs it.
import '../platform/node.ts';
import '../envelope/node-parts.ts';
import { ErrorCode, SparrowError } from '../errors.ts';
import { DEFAULT_CHAIN_LIMITS } from '../framing/chain-decoder.ts';
import { consoleLogger } from '../rpc/logger.ts';
import { LISTENER_LOG_LINES, MAX_LOG_LINE, clipText, createLogLimiter, type LogLimiter } from '../rpc/log-limit.ts';
import { closeConnection, connectionClose } from './connection-close.ts';
import { LISTENER_LINK_DEFAULTS } from './link-limits.ts';
import { ALL_PEER_FEATURES, type Peer } from '../rpc/peer.ts';
import { peerSession } from '../rpc/peer-core.ts';
import { createRegistry, type Registry } from '../rpc/registry.ts';
import { CloseCode, sessionFeature } from '../rpc/session.ts';
import type { Listener, TlsOptions, Transport } from '../transport/transport.ts';
import type { NatsOptions } from '../transport/nats/options.ts';
import { connect, listen, type NodeConnectOptions, type NodeListenOptions } from '../transport/node/url.ts';
import { checkSerialiser, greetPeer, openPeer, type OpenPeerOptions } from './open-peer.ts';
import { withReconnect, type ReconnectOptions, type ReconnectingPeer } from './reconnecting-peer.ts';
// On Node every peer has every part and every link its budgets (node-parts.ts).
import './node-parts.ts';

/**
 * Options of {@link connectPeer}. `timeoutMs` is the default timeout of every
 * call on the peer; connecting has its own `connectTimeoutMs`.
 */
export interface ConnectPeerOptions extends OpenPeerOptions {
  /** TLS material for `tls://` and `wss://` (`ca` to trust a private CA; `cert`/`key` for a client certificate). */
  tls?: TlsOptions;
  /** Give up connecting after this many ms (default 10 000). */
  connectTimeoutMs?: number;
  /** Abort connecting. */
  signal?: AbortSignal;
  /** WebSocket only: larger incoming messages close the connection. */
  maxMessageBytes?: number;
  /** `nats://` only: TLS, credentials and session settings (docs/nats.md). */
  nats?: NatsOptions;
  /**
   * Connect again after a drop, with this backoff: the peer is then a
   * {@link ReconnectingPeer} (see `createReconnectingPeer`). `signal` and
   * `connectTimeoutMs` apply to every attempt except that `signal` only
   * aborts the first. Default: no reconnect.
   */
  reconnect?: ReconnectOptions;
}

/**
 * Connects to `url` and returns the peer over the new connection. With
 * `credentials` or `heartbeatMs` it first asks `#sys.features`, then sends
 * the credential in `#sys.hello` when the other side lists `hello` (a
 * reference peer is sent nothing else; credentials it cannot take are
 * logged once as a warning and not sent). With `reconnect`, the peer
 * survives drops: it connects again with backoff, greets again, exports
 * again and resubscribes (see `createReconnectingPeer`); only the first
 * connection's failure rejects here.
 *
 * Rejects with `unsupported` (unknown scheme, malformed URL),
 * `connection-failed` (refused, untrusted certificate, command not found,
 * timed out), `aborted`, `permission-denied` when the listener's
 * `authenticate` refused the credential, and `invalid-params` for a bad
 * peer or reconnect option.
 */
export async function connectPeer(url: string, options: ConnectPeerOptions & { reconnect: ReconnectOptions }): Promise<ReconnectingPeer>;
export async function connectPeer(url: string, options?: ConnectPeerOptions): Promise<Peer>;
export async function connectPeer(url: string, options: ConnectPeerOptions = {}): Promise<Peer> {
  const first = await openSessionPeer(await connect(url, connectOptionsOf(url, options)), options);
  // Later attempts are not the caller's to abort: `close()` stops them.
  const { signal: _signal, ...again } = options;
  return withReconnect(first, async () => openSessionPeer(await connect(url, connectOptionsOf(url, again)), again), options);
}

/**
 * `openPeer` for the connecting side of a transport you opened yourself,
 * with the session part, and the handshake `connectPeer` makes (features,
 * then the credential in `#sys.hello`). Rejects as `connectPeer` does
 * after connecting; the transport is closed on failure.
 */
export async function openSessionPeer(transport: Transport, options: OpenPeerOptions = {}): Promise<Peer> {
  return greetPeer(openPeer(transport, withSession(options)));
}

/** The Node endpoints give every peer the session part (features, hello, heartbeat, close reasons). */
function withSession<T extends OpenPeerOptions>(options: T): T {
  return { ...options, features: [...(options.features ?? ALL_PEER_FEATURES), sessionFeature] };
}

/**
 * The transport options inside `ConnectPeerOptions` (for callers that open
 * the transport themselves and then call `openPeer`).
 */
export function connectOptionsOf(url: string, options: ConnectPeerOptions): NodeConnectOptions {
  const out: NodeConnectOptions = {};
  if (options.tls !== undefined) out.tls = options.tls;
  if (options.connectTimeoutMs !== undefined) out.timeoutMs = options.connectTimeoutMs;
  if (options.signal !== undefined) out.signal = options.signal;
  // ws buffers a whole message before the chain decoder sees it: cap it at the chain limit.
  out.maxMessageBytes = options.maxMessageBytes ?? options.limits?.maxChainSize ?? DEFAULT_CHAIN_LIMITS.maxChainSize;
  if (options.nats !== undefined) out.nats = options.nats;
  out.onProtocolError = protocolErrorReporter(url, options);
  return out;
}

/** Options of {@link listenPeers}: the options every accepted peer gets, plus the listener's own. */
export interface ListenPeersOptions extends OpenPeerOptions {
  /** Targets every accepted peer answers. Default: a new empty registry (see `PeerListener.registry`). */
  registry?: Registry;
  /**
   * Called with each new peer before it handles anything it may already
   * have received, so per-connection exports made here are in place. When
   * it throws (or its promise rejects) the error is logged and that peer is
   * closed.
   */
  onPeer?: (peer: Peer) => void | Promise<void>;
  /** TLS material for `tls://` and `wss://` (`cert` and `key`; with `ca`, client certificates are required). */
  tls?: TlsOptions;
  /**
   * WebSocket only: larger incoming messages close the connection (1009).
   * Default: the chain limit (`limits.maxChainSize`, 10 MiB).
   */
  maxMessageBytes?: number;
  /** `nats://` only: TLS, credentials and session settings (docs/nats.md). */
  nats?: NatsOptions;
  /**
   * ws/wss only: origins whose web pages may connect besides the listener's
   * own host (loopback names count as one host); `['*']` admits any. A
   * request with another `Origin` is refused with HTTP 403.
   */
  allowedOrigins?: readonly string[];
  /**
   * `close()` waits this long for calls in flight (both ways) to finish
   * after telling peers that list `close-reason` it is going away. Default 0:
   * close at once.
   */
  closeGraceMs?: number;
  /** Most connections open at once; one more is closed as soon as it is accepted. Default DEFAULT_MAX_CONNECTIONS. */
  maxConnections?: number;
  /** Most connections open at once from one remote address. Default 0 (off: load tests come from one loopback address). */
  maxConnectionsPerAddress?: number;
}

/** Default most connections a listener holds at once. */
export const DEFAULT_MAX_CONNECTIONS = 10_000;

/** A listening endpoint that makes one peer per accepted connection. */
export interface PeerListener {
  /** The URL it is reachable at, with the real port when port 0 was asked. */
  readonly url: string;
  /** The registry every accepted peer shares. */
  readonly registry: Registry;
  /** The peers currently connected; a peer leaves the set when it closes. */
  readonly peers: ReadonlySet<Peer>;
  /**
   * Stops accepting, tells peers that list `close-reason` it is going
   * away, waits up to `closeGraceMs` for calls in flight, closes every peer,
   * and resolves once the listener and its connections are gone. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Listens at `url`; each accepted connection becomes a peer with `options`
 * and the shared `registry`.
 *
 * Rejects with `unsupported` (unknown scheme, malformed URL, tls/wss without
 * cert and key), `connection-failed` (address in use, cannot bind) and
 * `invalid-params` for a bad peer option (checked before binding).
 */
export async function listenPeers(url: string, options: ListenPeersOptions = {}): Promise<PeerListener> {
  const registry = options.registry ?? createRegistry();
  // One log budget for the listener, which every connection's own budget draws on.
  const protocolLogLimiter = options.protocolLogLimiter ?? createLogLimiter(LISTENER_LOG_LINES);
  // A network server faces unknown clients: its connections get deadlines and an output budget unless told
  // otherwise. stdio serves the one process that spawned it, which may stay quiet as long as it likes.
  const serverDefaults = url.startsWith('stdio:') ? {} : LISTENER_LINK_DEFAULTS;
  const peerOptions: OpenPeerOptions = withSession({ ...serverDefaults, ...definedOnly(options), registry, protocolLogLimiter });
  const logger = options.logger ?? consoleLogger;
  const onPeer = options.onPeer;
  const peers = new Set<Peer>();
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const maxPerAddress = options.maxConnectionsPerAddress ?? 0;
  const perAddress = new Map<string, number>();
  let closing = false;
  // Bad limits should fail the listen call, not every connection later.
  checkPeerOptions(peerOptions);
  if (!(maxConnections >= 1)) throw new SparrowError(ErrorCode.InvalidParams, 'maxConnections must be a positive number');
  if (!(maxPerAddress >= 0)) throw new SparrowError(ErrorCode.InvalidParams, 'maxConnectionsPerAddress must be 0 (off) or a positive number');

  const accept = (transport: Transport): void => {
    if (closing) {
      transport.close();
      return;
    }
    const address = addressOf(transport.remote);
    const fromAddress = perAddress.get(address) ?? 0;
    if (peers.size >= maxConnections || (maxPerAddress > 0 && fromAddress >= maxPerAddress)) {
      const which = peers.size >= maxConnections ? `${maxConnections} connections` : `${maxPerAddress} connections from ${address}`;
      if (protocolLogLimiter.allow()) logger.warn(`refused ${transport.remote}: the listener holds ${which}`);
      closeConnection(transport, connectionClose('too-many-connections', `the listener holds ${which}`));
      return;
    }
    let peer: Peer;
    try {
      peer = openPeer(transport, peerOptions);
    } catch (error) {
      logger.error(`could not open a peer for ${transport.remote}`, error);
      return;
    }
    peers.add(peer);
    perAddress.set(address, fromAddress + 1);
    void peer.closed.then(() => {
      peers.delete(peer);
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left > 0) perAddress.set(address, left);
      else perAddress.delete(address);
    });
    // A side with a heartbeat asks the other side's features (a reference client just answers not-found).
    if (options.heartbeatMs !== undefined) peerSession(peer)?.ready(false).catch((error: unknown) => logger.debug(`no features from ${peer.remote}`, error));
    if (onPeer === undefined) return;
    const fail = (error: unknown): void => {
      logger.error(`onPeer failed for ${peer.remote}; closing that connection`, error);
      peer.close();
    };
    try {
      const result = onPeer(peer);
      if (result !== undefined) result.then(undefined, fail);
    } catch (error) {
      fail(error);
    }
  };

  const listenOptions: NodeListenOptions = {};
  if (options.tls !== undefined) listenOptions.tls = options.tls;
  // ws buffers a whole message before the chain decoder sees it: cap it at the chain limit.
  listenOptions.maxMessageBytes = options.maxMessageBytes ?? options.limits?.maxChainSize ?? DEFAULT_CHAIN_LIMITS.maxChainSize;
  listenOptions.onProtocolError = protocolErrorReporter(url, { ...options, protocolLogLimiter });
  if (options.nats !== undefined) listenOptions.nats = options.nats;
  if (options.allowedOrigins !== undefined) listenOptions.allowedOrigins = options.allowedOrigins;
  const listener: Listener = await listen(url, accept, listenOptions);

  let closed: Promise<void> | undefined;
  return {
    url: listener.url,
    registry,
    peers,
    close() {
      closed ??= (async () => {
        closing = true;
        await drainPeers(peers, options.closeGraceMs ?? 0);
        const all = [...peers];
        for (const peer of all) peer.close();
        await Promise.all([listener.close(), ...all.map((peer) => peer.closed)]);
      })();
      return closed;
    },
  };
}

/** How often a graceful close looks whether the calls in flight are done. */
const DRAIN_POLL_MS = 10;

/** Graceful close: peers that list `close-reason` hear "going away"; then calls in flight get up to `graceMs` to finish. */
async function drainPeers(peers: ReadonlySet<Peer>, graceMs: number): Promise<void> {
  for (const peer of peers) peerSession(peer)?.sendReason(CloseCode.GoingAway, 'the listener is closing');
  const deadline = Date.now() + graceMs;
  const busy = (): boolean => [...peers].some((peer) => peer.activeHandlerCount > 0 || peer.pendingCount > 0);
  while (Date.now() < deadline && busy()) await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
}

/** Text frames on a WebSocket are dropped; say so through the peer's logger rather than the console, one rate-limited line each. */
function protocolErrorReporter(url: string, options: OpenPeerOptions): (error: SparrowError) => void {
  const logger = options.logger ?? consoleLogger;
  const limiter: LogLimiter = options.protocolLogLimiter ?? createLogLimiter();
  return (error) => {
    if (limiter.allow()) logger.warn(clipText(`message from ${url} dropped: ${error.message}`, MAX_LOG_LINE));
  };
}

/** The address part of a transport's `remote` (host:port, [v6]:port, or a path for unix sockets). */
function addressOf(remote: string): string {
  const match = /^(.*):\d+$/.exec(remote);
  return match === null ? remote : match[1]!;
}

/** `options` without its undefined fields, so they do not hide the listener defaults. */
function definedOnly<T extends object>(options: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(options) as (keyof T)[]) if (options[key] !== undefined) out[key] = options[key];
  return out;
}

function checkPeerOptions(options: OpenPeerOptions): void {
  const positive = (name: string, value: number | undefined): void => {
    if (value !== undefined && !(value >= 1)) throw new SparrowError(ErrorCode.InvalidParams, `${name} must be a positive number`);
  };
  checkSerialiser(options);
  positive('maxPendingCalls', options.maxPendingCalls);
  positive('maxConcurrentHandlers', options.maxConcurrentHandlers);
  positive('maxStreamBuffer', options.maxStreamBuffer);
  positive('heartbeatMs', options.heartbeatMs);
  const timeout = options.timeoutMs;
  if (timeout !== undefined && timeout !== 0 && timeout !== Infinity && !(timeout > 0)) {
    throw new SparrowError(ErrorCode.InvalidParams, `timeoutMs must be a positive number, 0 or Infinity (got ${String(timeout)})`);
  }
}
