/**
 * `createPeer`: the peer with every part (the dispatcher, streams with flow
 * control and batches, callbacks and iterable params, interceptors, the
 * log limiter), what a Node server or a test wants. A bundle that should
 * carry only what it uses builds on `createCorePeer` (peer-core.ts) and
 * names the features it needs.
 */
import type { MessageLink } from '../envelope/message.ts';
import { callbacksFeature } from './callbacks.ts';
import { discoveryFeature } from './discovery.ts';
import { dispatcherFeature } from './dispatcher.ts';
import { defineFeature } from './features.ts';
import { interceptorsFeature } from './interceptors.ts';
import { MAX_LOG_LINE, clipText, createLogLimiter } from './log-limit.ts';
import { createCorePeer } from './peer-core.ts';
import { streamsFeature } from './streams.ts';
import type { Peer, PeerFeature, PeerOptions } from './types.ts';

export type { CallOptions, NotifyOptions, Peer, PeerFeature, PeerOptions, StreamOptions } from './types.ts';
export { DEFAULT_MAX_PENDING_CALLS, DEFAULT_TIMEOUT_MS } from './call-table.ts';
export { DEFAULT_MAX_CONCURRENT_HANDLERS } from './dispatcher.ts';
export { DEFAULT_STREAM_WINDOW } from './flow-control.ts';
export { systemFeature } from './system-service.ts';
export { createCorePeer, createLeanPeer, peerSession, usePeerFeatures, type WrappingPeer } from './peer-core.ts';
export { setDefaultPeerFeatures } from './peer-parts.ts';
export { DEFAULT_MAX_MESSAGE_BYTES } from './outbox.ts';
export { callbacksFeature } from './callbacks.ts';
export { dispatcherFeature } from './dispatcher.ts';
export { discoveryFeature } from './discovery.ts';
export { interceptorsFeature } from './interceptors.ts';
export { DEFAULT_MAX_STREAM_BUFFER, DEFAULT_MAX_STREAM_BUFFER_BYTES, streamsFeature } from './streams.ts';

/**
 * This connection's limiter of protocol-error lines (CONNECTION_LOG_LINES
 * per LOG_WINDOW_MS), under `PeerOptions.protocolLogLimiter` when set (a
 * listener's, shared by its connections); the line let through after some
 * were dropped says how many. Without it a peer logs every line, and
 * refuses `protocolLogLimiter` (`unsupported`).
 */
export const logLimitFeature: PeerFeature = /* @__PURE__ */ defineFeature('logLimit', [], (core) => {
  const limiter = createLogLimiter(undefined, undefined, core.options.protocolLogLimiter);
  return {
    limit(line: string): string | undefined {
      if (!limiter.allow()) return undefined;
      const suppressed = limiter.takeSuppressed();
      const clipped = clipText(line, MAX_LOG_LINE);
      return suppressed > 0 ? `${clipped} (${suppressed} similar lines suppressed)` : clipped;
    },
  };
});

/** Every optional part of a peer: what `createPeer` and the Node endpoints give by default. */
export const ALL_PEER_FEATURES: readonly PeerFeature[] = /* @__PURE__ */ Object.freeze([dispatcherFeature, discoveryFeature, streamsFeature, callbacksFeature, interceptorsFeature, logLimitFeature]);

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
