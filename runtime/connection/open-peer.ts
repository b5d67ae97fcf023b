/**
 * Peer endpoints that need no Node: a peer over a transport you already
 * hold, and a peer over a browser WebSocket. Browser-safe: nothing here may
 * import Node built-ins (runtime/tsconfig.browser.json checks it).
 */
import { serialisersOf } from '../envelope/codec.ts';
import { ErrorCode, SparrowError } from '../errors.ts';
import type { MessageLink } from '../envelope/message.ts';
import { createBareMessageLink, type MessageLinkOptions } from './message-link.ts';
import type { ReconnectEndpointOptions, ReconnectOptions, ReconnectPolicy, ReconnectingPeer } from './reconnecting-peer.ts';
import { missingSerialiser } from '../serialisation/serialiser.ts';
import { createLeanPeer, peerSession } from '../rpc/peer-core.ts';
import type { Peer, PeerOptions } from '../rpc/types.ts';
import type { Transport } from '../transport/transport.ts';
import { connectWebSocket, type ConnectWebSocketOptions } from '../transport/websocket.ts';

/**
 * Options of {@link openPeer}: the peer's options plus the message link's
 * receiver limits and `serialisers` (JSON is always there; default: all
 * three on Node, JSON only in a browser bundle).
 */
export type OpenPeerOptions = PeerOptions & MessageLinkOptions;

/** The link's budgets and deadlines (LinkLimitOptions) among a peer's options. */
const LINK_LIMIT_KEYS = ['outputSoftBytes', 'outputHardBytes', 'handshakeTimeoutMs', 'partialChainTimeoutMs', 'idleTimeoutMs', 'inputBudget'] as const satisfies readonly (keyof MessageLinkOptions)[];

/**
 * What the Node endpoints give every peer `openPeer` and
 * `connectWebSocketPeer` make, installed when they are imported: links
 * with budgets and deadlines (`createMessageLink`), and the reconnecting
 * peer behind a plain `reconnect` object. A browser bundle has neither
 * unless it names them, so a client page does not carry them.
 */
export interface EndpointParts {
  link?: (transport: Transport, options: MessageLinkOptions) => MessageLink;
  reconnect?: ReconnectPolicy['wrap'];
}

let endpointParts: EndpointParts = {};

/** Installs the parts of {@link EndpointParts} (the Node endpoints call this once). */
export function setEndpointParts(parts: EndpointParts): void {
  endpointParts = parts;
}

/**
 * Options of {@link connectWebSocketPeer}. `timeoutMs` is the peer's call
 * timeout (as everywhere in `PeerOptions`); the connection attempt has its
 * own `connectTimeoutMs`.
 */
export interface ConnectWebSocketPeerOptions extends OpenPeerOptions {
  /** The WebSocket class (default `globalThis.WebSocket`; on Node 20 pass the `ws` package's, or use `connectPeer`). */
  WebSocket?: ConnectWebSocketOptions['WebSocket'];
  /** Give up connecting after this many ms (default 10 000). */
  connectTimeoutMs?: number;
  /** Abort connecting (the first connection only, with `reconnect`). */
  signal?: AbortSignal;
  /**
   * Connect again after a drop: `reconnect: reconnecting({ initialDelayMs: 100 })`
   * (the peer is then a `ReconnectingPeer`). A plain `ReconnectOptions`
   * object works where the Node endpoints are loaded. Default: no reconnect.
   */
  reconnect?: ReconnectPolicy | ReconnectOptions;
}

/**
 * Makes a peer over an open transport: `createMessageLink` + `createCorePeer`
 * in one call. The peer starts reading at once. Its parts are
 * `options.features`, else the platform's defaults: every part on Node (the
 * Node endpoints set them), none in a browser bundle (a generated client or
 * `registerService` adds what its schema uses).
 * @throws SparrowError `invalid-params` for a non-positive limit or timeout,
 *   `unsupported` for a bad link limit, a budget or deadline where no Node
 *   endpoint installed links that have them, or a `serialiser` not among `serialisers`.
 */
export function openPeer(transport: Transport, options: OpenPeerOptions = {}): Peer {
  try {
    // The link reads its own options (limits, serialisers, budgets) among the peer's.
    const link = endpointParts.link;
    if (link === undefined) {
      const limit = LINK_LIMIT_KEYS.find((key) => options[key] !== undefined);
      if (limit) throw new SparrowError(ErrorCode.Unsupported, `${limit} needs createMessageLink + createCorePeer`);
    }
    const made = (link ?? createBareMessageLink)(transport, options);
    checkSerialiser(options);
    // What the transport knows about an accepted connection is what `authenticate` gets.
    return createLeanPeer(made, transport.facts && options.connection === undefined ? { ...options, connection: transport.facts } : options);
  } catch (error) {
    // A bad option must not leak the connection the caller handed over.
    transport.close();
    throw error;
  }
}

/**
 * Connects to a WebSocket listener (`ws://host:port/` or `wss://…`) and
 * returns the peer over it. Text frames, which the protocol never uses, are
 * dropped and logged as any dropped message is (`options.logger`, default
 * the console).
 *
 * With `reconnect`, the peer survives drops (see `createReconnectingPeer`);
 * only the first connection's failure rejects here.
 *
 * Rejects with `connection-failed` (refused, timed out), `aborted`,
 * `unsupported` when there is no WebSocket class, `permission-denied` when
 * the listener refused `credentials` (given with `features` including
 * `sessionFeature`), and the errors of {@link openPeer} for bad options
 * (`invalid-params` for a bad `reconnect`).
 */
export async function connectWebSocketPeer(url: string, options: ConnectWebSocketPeerOptions & { reconnect: ReconnectPolicy | ReconnectOptions }): Promise<ReconnectingPeer>;
export async function connectWebSocketPeer(url: string, options?: ConnectWebSocketPeerOptions): Promise<Peer>;
export async function connectWebSocketPeer(url: string, options: ConnectWebSocketPeerOptions = {}): Promise<Peer> {
  const { reconnect } = options;
  const wrap = reconnect && ((reconnect as Partial<ReconnectPolicy>).wrap ?? endpointParts.reconnect);
  if (reconnect && !wrap) throw new SparrowError(ErrorCode.InvalidParams, 'reconnect: pass reconnecting({...}) (a plain object needs the Node endpoints)');
  // With `features: [sessionFeature]` and `credentials`: the same handshake as connectPeer (features, then #sys.hello), on every connection.
  const open = async (signal?: AbortSignal): Promise<Peer> => {
    // The peer's options carry `WebSocket`; none of them means anything else to connectWebSocket but the
    // call timeout (`timeoutMs`, replaced). An option left undefined takes connectWebSocket's default; a text
    // frame goes to the link, whose peer logs it.
    const connectOptions = { ...options, timeoutMs: options.connectTimeoutMs, signal } as ConnectWebSocketOptions;
    return greetPeer(openPeer(await connectWebSocket(url, connectOptions), options));
  };
  const first = await open(options.signal);
  // Later attempts are not the caller's to abort: `close()` stops them.
  return wrap ? wrap(first, () => open(), options as ReconnectEndpointOptions) : first;
}

/**
 * The connecting side's session handshake (`#sys.features`, then the
 * credential in `#sys.hello`) for a peer with the session part; nothing for
 * one without. Resolves with the peer; on failure closes it and rejects
 * (`permission-denied` when the listener refused the credential).
 */
export async function greetPeer(peer: Peer): Promise<Peer> {
  try {
    await peerSession(peer)?.ready();
  } catch (error) {
    peer.close();
    throw error;
  }
  return peer;
}

/**
 * Fails early when `options.serialiser` (the one this side starts calls in)
 * is not among the serialisers the peer has.
 * @throws SparrowError `unsupported` naming the missing serialiser.
 */
export function checkSerialiser(options: OpenPeerOptions): void {
  const code = options.serialiser;
  if (code !== undefined && serialisersOf(options.serialisers)[code] === undefined) {
    throw missingSerialiser(code, `serialiser: "${code}"`);
  }
}
