/**
 * `createPeer`: the peer with every part (streams with flow control and
 * batches, callbacks and iterable params), what a Node server or a test
 * wants. A bundle that should carry only what it uses builds on
 * `createCorePeer` (peer-core.ts) and names the features it needs.
 */
import type { MessageLink } from '../envelope/message.ts';
import { callbacksFeature } from './callbacks.ts';
import { createCorePeer } from './peer-core.ts';
import { streamsFeature } from './streams.ts';
import type { Peer, PeerFeature, PeerOptions } from './types.ts';

export type { CallOptions, NotifyOptions, Peer, PeerFeature, PeerOptions, StreamOptions } from './types.ts';
export { DEFAULT_MAX_PENDING_CALLS, DEFAULT_TIMEOUT_MS } from './call-table.ts';
export { DEFAULT_MAX_CONCURRENT_HANDLERS } from './dispatcher.ts';
export { DEFAULT_STREAM_WINDOW } from './flow-control.ts';
export { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_STREAM_BUFFER, createCorePeer, peerSession, setDefaultPeerFeatures, usePeerFeatures } from './peer-core.ts';
export { callbacksFeature } from './callbacks.ts';
export { streamsFeature } from './streams.ts';

/** Every optional part of a peer: what `createPeer` and the Node endpoints give by default. */
export const ALL_PEER_FEATURES: readonly PeerFeature[] = /* @__PURE__ */ Object.freeze([streamsFeature, callbacksFeature]);

/**
 * Creates the peer of one connection and starts reading from `link`.
 *
 * Both sides of a connection use the same API. The side that dials usually
 * sets `serialiser`/`layout`; the listening side adopts whatever the other
 * side's first call used (§8). The peer has every part unless
 * `options.features` says otherwise.
 * @throws SparrowError `invalid-params` for a non-positive limit or timeout.
 */
export function createPeer(link: MessageLink, options: PeerOptions = {}): Peer {
  return createCorePeer(link, options.features === undefined ? { ...options, features: ALL_PEER_FEATURES } : options);
}
