/**
 * Peers over a MessagePort-like channel, browser-safe: a page and its Web
 * Worker (or `SharedWorker#port`, or the two ends of a `MessageChannel`).
 * The side that starts the other calls {@link connectPortPeer}; the side
 * that is started calls {@link servePort} once, early. Node's
 * `spawnWorkerPeer`/`serveParent` are these two plus the thread's life.
 *
 * ```ts
 * // page
 * const peer = await connectPortPeer(new Worker(new URL('./worker.js', import.meta.url), { type: 'module' }));
 * // worker.js
 * registerHash(servePort(self), { hash: ({ data }) => digest(data) });
 * ```
 */
import { ErrorCode, SparrowError } from '../errors.ts';
import { discoveryFeature } from '../rpc/discovery.ts';
import type { Peer } from '../rpc/peer.ts';
import { usePeerFeatures } from '../rpc/peer-core.ts';
import { acceptMessagePort, connectMessagePort, type ConnectMessagePortOptions, type MessagePortLike, type MessagePortTransportOptions } from '../transport/message-port.ts';
import { checkSerialiser, openPeer, type OpenPeerOptions } from './open-peer.ts';

/**
 * Options of {@link connectPortPeer}: the peer's (`timeoutMs` is every
 * call's timeout, as everywhere in `PeerOptions`), the transport's, and
 * the start-up limits.
 */
export interface ConnectPortPeerOptions extends OpenPeerOptions, MessagePortTransportOptions {
  /** `connection-failed` when the other end has not served within this many ms (default 10 000). */
  connectTimeoutMs?: number;
  /** Abort connecting. */
  signal?: AbortSignal;
}

/** Options of {@link servePort}: the peer's, plus the transport's. */
export interface ServePortOptions extends OpenPeerOptions, MessagePortTransportOptions {}

/**
 * Waits until the other end of `port` serves (it called {@link servePort}),
 * and resolves with the peer once the other end has answered
 * `#sys.features`, so streams are paced by credit from the first call.
 *
 * Rejects with `connection-failed` when the other end does not serve within
 * `connectTimeoutMs` (default 10 000) or does not answer `#sys.features`;
 * `aborted` when `signal` fires; the errors of `openPeer` for bad options.
 */
export async function connectPortPeer(port: MessagePortLike, options: ConnectPortPeerOptions = {}): Promise<Peer> {
  checkSerialiser(options);
  const connectOptions: ConnectMessagePortOptions = transportOptionsOf(options);
  if (options.connectTimeoutMs !== undefined) connectOptions.timeoutMs = options.connectTimeoutMs;
  if (options.signal !== undefined) connectOptions.signal = options.signal;
  const peer = openPeer(await connectMessagePort(port, connectOptions), options);
  try {
    // Both ends are Sparrow: learning the features now paces streams by credit from the first call.
    usePeerFeatures(peer, [discoveryFeature]);
    await peer.remoteFeatures();
  } catch (error) {
    peer.close();
    throw new SparrowError(ErrorCode.ConnectionFailed, `${peer.remote} did not answer #sys.features`, { cause: error });
  }
  return peer;
}

/**
 * The served side's peer over `port` (a worker's own global scope, or a
 * port it was handed). Export services on it (or pass a `registry`) and call
 * the other side back through it.
 * @throws SparrowError the errors of `openPeer` for bad options.
 */
export function servePort(port: MessagePortLike, options: ServePortOptions = {}): Peer {
  const peer = openPeer(acceptMessagePort(port, transportOptionsOf(options)), options);
  // Both ends are Sparrow: learning the other side's features at once lets this side cancel what it
  // stops early (a subscription left with `break`) and pace its streams by credit.
  usePeerFeatures(peer, [discoveryFeature]);
  void peer.remoteFeatures();
  return peer;
}

/** The transport's own options among a port peer's. */
function transportOptionsOf(options: MessagePortTransportOptions): ConnectMessagePortOptions {
  const out: ConnectMessagePortOptions = {};
  if (options.scheme !== undefined) out.scheme = options.scheme;
  if (options.remote !== undefined) out.remote = options.remote;
  if (options.transferThreshold !== undefined) out.transferThreshold = options.transferThreshold;
  return out;
}
