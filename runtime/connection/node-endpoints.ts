/**
 * Peer endpoints on Node: connect a peer to a URL, or listen at a URL and
 * make one peer per accepted connection. Every scheme of `connect`/`listen`
 * works (tcp, unix, tls, ws, wss, stdio).
 */
// Node only: Node's platform (every serialiser by default), as the Node entry installs it.
import '../platform/node.ts';
import { ErrorCode, SparrowError } from '../errors.ts';
import { DEFAULT_CHAIN_LIMITS } from '../framing/chain-decoder.ts';
import { consoleLogger } from '../rpc/logger.ts';
import { LISTENER_LOG_LINES, createLogLimiter, type LogLimiter } from '../rpc/log-limit.ts';
import { closeConnection, connectionClose } from './connection-close.ts';
import { LISTENER_LINK_DEFAULTS } from './link-limits.ts';
import { ALL_PEER_FEATURES, setDefaultPeerFeatures, type Peer } from '../rpc/peer.ts';
import { createRegistry, type Registry } from '../rpc/registry.ts';
import type { Listener, TlsOptions, Transport } from '../transport/transport.ts';
import { connect, listen, type NodeConnectOptions, type NodeListenOptions } from '../transport/node/url.ts';
import { checkSerialiser, openPeer, type OpenPeerOptions } from './open-peer.ts';

// On Node every peer has every part: a server answers whatever the other side calls.
setDefaultPeerFeatures(ALL_PEER_FEATURES);

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
}

/**
 * Connects to `url` and returns the peer over the new connection.
 *
 * Rejects with `unsupported` (unknown scheme, malformed URL),
 * `connection-failed` (refused, untrusted certificate, command not found,
 * timed out), `aborted`, and `invalid-params` for a bad peer option.
 */
export async function connectPeer(url: string, options: ConnectPeerOptions = {}): Promise<Peer> {
  const transport = await connect(url, connectOptionsOf(url, options));
  return openPeer(transport, options);
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
  /** Stops accepting, closes every peer, and resolves once the listener and its connections are gone. Idempotent. */
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
  const peerOptions: OpenPeerOptions = { ...serverDefaults, ...definedOnly(options), registry, protocolLogLimiter };
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
  const listener: Listener = await listen(url, accept, listenOptions);

  let closed: Promise<void> | undefined;
  return {
    url: listener.url,
    registry,
    peers,
    close() {
      closed ??= (async () => {
        closing = true;
        const all = [...peers];
        for (const peer of all) peer.close();
        await Promise.all([listener.close(), ...all.map((peer) => peer.closed)]);
      })();
      return closed;
    },
  };
}

/** Text frames on a WebSocket are dropped; say so through the peer's logger rather than the console, one rate-limited line each. */
function protocolErrorReporter(url: string, options: OpenPeerOptions): (error: SparrowError) => void {
  const logger = options.logger ?? consoleLogger;
  const limiter: LogLimiter = options.protocolLogLimiter ?? createLogLimiter();
  return (error) => {
    if (limiter.allow()) logger.warn(`message from ${url} dropped: ${error.message}`);
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
  const timeout = options.timeoutMs;
  if (timeout !== undefined && timeout !== 0 && timeout !== Infinity && !(timeout > 0)) {
    throw new SparrowError(ErrorCode.InvalidParams, `timeoutMs must be a positive number, 0 or Infinity (got ${String(timeout)})`);
  }
}
