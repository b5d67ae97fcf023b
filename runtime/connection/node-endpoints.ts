/**
 * Peer endpoints on Node: connect a peer to a URL, or listen at a URL and
 * make one peer per accepted connection. Every scheme of `connect`/`listen`
 * works (tcp, unix, tls, ws, wss, stdio).
 */
// Node only: Node's platform (every serialiser by default), as the Node entry installs it.
import '../platform/node.ts';
import { ErrorCode, SparrowError } from '../errors.ts';
import { consoleLogger } from '../rpc/logger.ts';
import { ALL_PEER_FEATURES, setDefaultPeerFeatures, type Peer } from '../rpc/peer.ts';
import { createRegistry, type Registry } from '../rpc/registry.ts';
import type { Listener, TlsOptions, Transport } from '../transport/transport.ts';
import { connect, listen, type NodeConnectOptions, type NodeListenOptions } from '../transport/node/url.ts';
import { checkSerialiser, openPeer, type OpenPeerOptions } from './open-peer.ts';
import { withReconnect, type ReconnectOptions, type ReconnectingPeer } from './reconnecting-peer.ts';

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
 * `reconnect`, the peer survives drops: it connects again with backoff,
 * exports again and resubscribes (see `createReconnectingPeer`); only the
 * first connection's failure rejects here.
 *
 * Rejects with `unsupported` (unknown scheme, malformed URL),
 * `connection-failed` (refused, untrusted certificate, command not found,
 * timed out), `aborted`, and `invalid-params` for a bad peer or reconnect option.
 */
export async function connectPeer(url: string, options: ConnectPeerOptions & { reconnect: ReconnectOptions }): Promise<ReconnectingPeer>;
export async function connectPeer(url: string, options?: ConnectPeerOptions): Promise<Peer>;
export async function connectPeer(url: string, options: ConnectPeerOptions = {}): Promise<Peer> {
  const first = openPeer(await connect(url, connectOptionsOf(url, options)), options);
  // Later attempts are not the caller's to abort: `close()` stops them.
  const { signal: _signal, ...again } = options;
  return withReconnect(first, async () => openPeer(await connect(url, connectOptionsOf(url, again)), again), options);
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
  if (options.maxMessageBytes !== undefined) out.maxMessageBytes = options.maxMessageBytes;
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
  /** WebSocket only: larger incoming messages close the connection. */
  maxMessageBytes?: number;
}

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
  const peerOptions: OpenPeerOptions = { ...options, registry };
  const logger = options.logger ?? consoleLogger;
  const onPeer = options.onPeer;
  const peers = new Set<Peer>();
  let closing = false;
  // Bad limits should fail the listen call, not every connection later.
  checkPeerOptions(peerOptions);

  const accept = (transport: Transport): void => {
    if (closing) {
      transport.close();
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
    void peer.closed.then(() => peers.delete(peer));
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
  if (options.maxMessageBytes !== undefined) listenOptions.maxMessageBytes = options.maxMessageBytes;
  listenOptions.onProtocolError = protocolErrorReporter(url, options);
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

/** Text frames on a WebSocket are dropped; say so through the peer's logger rather than the console. */
function protocolErrorReporter(url: string, options: OpenPeerOptions): (error: SparrowError) => void {
  const logger = options.logger ?? consoleLogger;
  return (error) => logger.warn(`message from ${url} dropped: ${error.message}`, error);
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
